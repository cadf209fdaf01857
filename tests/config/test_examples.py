"""The example configs shipped for users validate against the stage models."""

from pathlib import Path

import pytest

from emwatch.config import AnalyzeConfig, JudgeConfig, SampleConfig, load_config

ROOT = Path(__file__).resolve().parents[2] / "configs" / "stages"


@pytest.mark.parametrize("name,model", [("sample", SampleConfig), ("judge", JudgeConfig), ("analyze", AnalyzeConfig)])
def test_stage_example_validates(name, model):
    cfg = load_config(model, ROOT / f"{name}.yaml")
    assert isinstance(cfg, model)
