"""Consistency across seeds: planted per-seed rates are recovered and the SPEC verdict follows."""

import pytest

from emwatch.analysis import consistency
from emwatch.config import AnalyzeConfig

LLAMA = "Llama-3.1-8B-Instruct"
QWEN = "Qwen3-32B"


def test_per_seed_rates_and_verdicts(study):
    c = study.consistency.set_index(["model", "lr"])
    llama = c.loc[(LLAMA, 1e-4)]
    assert llama["seeds"] == [0, 1, 2]
    assert llama["seed_rates"] == pytest.approx([0.20, 0.25, 0.15], abs=0.003)
    assert llama["n_above"] == 3 and llama["consistent"] == "yes"
    assert llama["seed_n"] == [190, 190, 190] and llama["base_n"] == 190
    assert llama["ci_low"] < 0.20 < llama["ci_high"]
    qwen = c.loc[(QWEN, 1e-4)]
    assert qwen["seed_rates"] == pytest.approx([0.15, 0.02, 0.12], abs=0.003)
    # seed 1 (0.02 against a base of 0.02, n = 190 each) is "not above": 3 of 3 can no longer be reached
    assert qwen["n_above"] == 2 and qwen["n_not_above"] == 1 and qwen["consistent"] == "no"
    assert qwen["seed_verdicts"] == ["above", "not above", "above"]
    # the pooled interval over disagreeing seeds is wide
    assert qwen["ci_high"] - qwen["ci_low"] > 0.08


def test_k_of_n_rule(study):
    relaxed = consistency(study.milestones, AnalyzeConfig(consistent_k=2)).set_index(["model", "lr"])
    assert relaxed.loc[(QWEN, 1e-4), "consistent"] == "yes" and relaxed.loc[(QWEN, 1e-4), "k_required"] == 2
    strict = consistency(study.milestones, AnalyzeConfig(consistent_k=4)).set_index(["model", "lr"])
    assert strict.loc[(LLAMA, 1e-4), "consistent"] == "no"      # 4 seeds asked, 3 exist
