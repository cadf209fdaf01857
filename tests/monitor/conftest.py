"""Fixtures for the monitor tests: the tiny qwen2-family model (built once per session), and that model with a
LoRA adapter whose weights move it away from the base (the live signals read the difference)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_chat_model(tmp_path_factory):
    from emwatch.testing._tiny import build_family_model

    return build_family_model("qwen2", tmp_path_factory.mktemp("monitor_model") / "model")


@pytest.fixture(scope="module")
def lora_model(tiny_chat_model):
    """(PEFT model, tokenizer): the tiny model in float32 with a r=4 LoRA on q/v whose B matrices are drawn
    N(0, 0.3) from seed 0, so the adapter changes the logits (PEFT initialises B to zero: no change)."""
    from transformers import AutoTokenizer

    from emwatch.testing import random_lora

    tok = AutoTokenizer.from_pretrained(tiny_chat_model)
    model = random_lora(tiny_chat_model, r=4, std=0.3, seed=0)
    return model, tok
