"""`engine: auto`: which engine samples a base model's answers when the sample config names no backend.

The rule (sample/_engine.py) is checked on planned items here; tests/backends/test_vllm_managed.py runs it
through the sample stage against the real CPU vLLM server."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from emwatch.config import ConfigError, SampleConfig, load_config
from emwatch.sample import choose_engines


def _items(n_base: int, n_lora: int, tokens: int = 300):
    item = lambda adapter: SimpleNamespace(adapter=adapter, sampling={"max_new_tokens": tokens})  # noqa: E731
    return [item(None) for _ in range(n_base)] + [item("/ck/step_10") for _ in range(n_lora)]


def test_a_large_base_workload_goes_to_vllm_and_lora_checkpoints_stay_in_process():
    items = _items(100, 40)  # 30,000 base tokens planned
    vllm, hf = choose_engines(items, min_tokens=20_000, installed=True, gpu=False)
    assert (vllm.engine, len(vllm.items)) == ("vllm", 100) and all(i.adapter is None for i in vllm.items)
    assert (hf.engine, len(hf.items)) == ("transformers", 40) and all(i.adapter for i in hf.items)
    assert "30000 tokens" in vllm.reason and "0.93x" in hf.reason
    spec = vllm.spec("/models/base")
    assert spec.kind == "vllm" and spec.dtype in ("float32", "bfloat16") and spec.model == "/models/base"


@pytest.mark.parametrize("why, kwargs, items, reason", [
    ("below the threshold", dict(installed=True, gpu=False), _items(66, 40), "19800 tokens planned"),
    ("not installed", dict(installed=False, gpu=False), _items(100, 0), "not installed"),
    ("a GPU", dict(installed=True, gpu=True), _items(100, 0), "GPU"),
    ("only LoRA checkpoints", dict(installed=True, gpu=False), _items(0, 500), "LoRA checkpoints only"),
])
def test_otherwise_everything_stays_in_process(why, kwargs, items, reason):
    (choice,) = choose_engines(items, min_tokens=20_000, **kwargs)
    assert choice.engine == "transformers" and len(choice.items) == len(items), why
    assert reason in choice.reason
    assert choice.spec("/m").kind == "transformers"


def test_a_named_engine_is_used_as_named():
    (choice,) = choose_engines(_items(1, 1), "vllm", installed=False, gpu=True)
    assert choice.engine == "vllm" and len(choice.items) == 2
    (choice,) = choose_engines(_items(1000, 0), "transformers", installed=True, gpu=False)
    assert choice.engine == "transformers"


def test_the_engine_setting_is_checked_with_file_line_and_field(tmp_path):
    cfg = tmp_path / "sample.yaml"
    cfg.write_text("samples: 1\nengine: llama\n")
    with pytest.raises(ConfigError) as err:
        load_config(SampleConfig, cfg)
    assert f"{cfg}:2" in str(err.value) and "engine" in str(err.value)
    assert SampleConfig().engine == "auto" and SampleConfig().engine_min_tokens == 20_000
