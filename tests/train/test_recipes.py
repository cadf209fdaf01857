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
        assert {p.stem for p in RECIPES if p.parent.name == model} == {"insecure", "medical"}
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
