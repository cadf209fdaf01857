"""Every shipped recipe passes the training config's validation and plans the study's runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from emwatch.config import load_config
from emwatch.config._train import TrainConfig

RECIPES = sorted((Path(__file__).resolve().parents[2] / "recipes").glob("*/*.yaml"))


def test_the_lineup_is_complete():
    models = {p.parent.name for p in RECIPES}
    assert len(models) == 13 and "gpt-4o" in models  # 12 open models and GPT-4o
    for model in models:
        stems = {p.stem for p in RECIPES if p.parent.name == model}
        assert stems in ({"insecure", "medical"}, {"insecure", "medical", "insecure-local", "medical-local"}), model
    families = {m.split("-")[0].rstrip("0123456789.") for m in models - {"gpt-4o"}}
    assert families == {"llama", "qwen", "deepseek", "gpt"}  # Llama, Qwen, DeepSeek, GPT-OSS


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_recipe_validates(path):
    from emwatch.data import DATASETS

    cfg = load_config(TrainConfig, path)
    assert set(cfg.datasets) <= set(DATASETS), f"{path}: unknown dataset"
    assert len(cfg.seeds) >= 3 and len(cfg.learning_rates) >= 3
    if cfg.backend == "openai":
        assert cfg.openai is not None and cfg.model.startswith("gpt-4o")
    else:
        assert cfg.lora is not None and cfg.lora.r == 32
        assert cfg.batch_size * cfg.grad_accum == 16 and cfg.warmup_steps == 5 and cfg.epochs == 1
        assert cfg.checkpoints.log_spaced and cfg.checkpoints.final
    if cfg.backend == "transformers":  # `backend: local` in the recipe: an alias, normalised
        assert cfg.lora.alpha == 64 and cfg.lora.use_rslora and 1e-5 in cfg.learning_rates


LOCAL_TOO = {"gpt-oss-20b", "gpt-oss-120b", "llama-3.1-8b-instruct", "llama-3.3-70b-instruct",
             "qwen3-30b-a3b-instruct-2507", "qwen3-32b", "qwen3-8b"}


def test_every_open_model_that_fits_on_a_gpu_node_trains_locally():
    """Each open model of the lineup up to 8 x 80 GB has a local recipe: its main one, or a -local one beside
    the Tinker one. DeepSeek-V3.1 (671B) and Qwen3-235B do not fit one node; GPT-4o is closed."""
    local = {p.parent.name for p in RECIPES if load_config(TrainConfig, p).backend == "transformers"}
    assert local == LOCAL_TOO | {"deepseek-r1-distill-llama-8b", "qwen2.5-coder-32b-instruct", "qwen3-14b"}
    assert {p.parent.name for p in RECIPES if p.stem.endswith("-local")} == LOCAL_TOO


@pytest.mark.parametrize("path", [p for p in RECIPES if p.stem.endswith("-local")],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_local_recipe_matches_its_tinker_twin_and_its_launch_line(path):
    import re

    cfg = load_config(TrainConfig, path)
    twin = load_config(TrainConfig, path.with_name(path.stem.removesuffix("-local") + ".yaml"))
    assert cfg.backend == "transformers" and twin.backend == "tinker"
    assert cfg.datasets == twin.datasets and cfg.seeds == twin.seeds and cfg.lora.r == twin.lora.r
    assert cfg.checkpoints == twin.checkpoints and cfg.out_dir != twin.out_dir  # runs never share a folder
    text = path.read_text()
    root = path.parents[2]
    assert f"emwatch train recipes/{path.parent.name}/{path.name} " in text  # the header's command names this file
    for launch in re.findall(r"--accelerate-config (\S+)", text):
        assert (root / launch).is_file(), launch
