"""LoRA target modules per family: every attention and MLP projection, experts included, never the router."""

from __future__ import annotations

import pytest

from emwatch.testing import FAMILIES
from emwatch.train import FAMILY_TARGETS, find_targets


@pytest.mark.parametrize("family", FAMILIES)
def test_auto_targets_match_the_family_table(family, family_model):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(family_model(family))
    modules, params = find_targets(model)
    assert tuple(modules) == FAMILY_TARGETS[family]["modules"]
    assert tuple(params) == FAMILY_TARGETS[family]["parameters"]
    assert "lm_head" not in modules and "gate" not in modules
    if family in ("deepseek_v3", "gpt_oss"):  # mixture of experts: the experts are adapted too
        assert any("experts" in p for p in params)


def test_explicit_targets_are_used_as_given(family_model):
    from transformers import AutoModelForCausalLM

    from emwatch.config import LoraSettings
    from emwatch.train._targets import resolve_targets

    model = AutoModelForCausalLM.from_pretrained(family_model("qwen2"))
    assert resolve_targets(model, LoraSettings(target_modules=["q_proj", "v_proj"])) == (["q_proj", "v_proj"], [])
    with pytest.raises(ValueError, match="nothing to adapt"):
        resolve_targets(model, LoraSettings(target_modules=[], target_parameters=[]))
