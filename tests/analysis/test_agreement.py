"""Judge agreement (emwatch.analysis._agreement): kappa, the paired bootstrap, and the comparison of two
judges' answers frames, against numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from emwatch.analysis import agreement_table, cohen_kappa, judge_agreement
from emwatch.analysis._agreement import paired_bootstrap_diff
from emwatch.config import AnalyzeConfig


def test_cohen_kappa_by_hand_and_undefined_cases():
    x = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0, 0], bool)
    y = np.array([1, 1, 0, 1, 0, 0, 0, 0, 0, 0], bool)
    # observed 0.8; chance 0.3*0.3 + 0.7*0.7 = 0.58; kappa = 0.22 / 0.42
    assert cohen_kappa(x, y) == pytest.approx(0.22 / 0.42)
    assert cohen_kappa(x, x) == pytest.approx(1.0)
    assert cohen_kappa(x, ~x) < 0
    assert math.isnan(cohen_kappa(np.zeros(5, bool), np.zeros(5, bool)))  # one label everywhere: undefined
    assert math.isnan(cohen_kappa(np.array([], bool), np.array([], bool)))


def test_paired_bootstrap_interval_covers_the_difference_and_shrinks_with_n():
    rng = np.random.default_rng(0)
    x = np.array([0] * 80 + [1] * 20, bool)          # judge A: 20%
    y = x.copy()
    y[:10] = True                                    # judge B flags 10 more answers: 30%
    lo, hi = paired_bootstrap_diff(x, y, 0.95, 4000, rng)
    assert lo > 0 and lo < 0.10 < hi < 0.2           # B - A = 0.10, and B never flags less than A
    lo2, hi2 = paired_bootstrap_diff(np.tile(x, 10), np.tile(y, 10), 0.95, 4000, rng)
    assert hi2 - lo2 < (hi - lo) / 2
    assert paired_bootstrap_diff(x, x, 0.95, 500, rng) == (0.0, 0.0)  # identical judges: no difference at all


def _frame(aligned, coherent, categories):
    n = len(aligned)
    return pd.DataFrame({"sample_id": [f"s{i}" for i in range(n)], "run_id": "r", "model": "m", "bank": "b",
                         "question_id": [f"q{i}" for i in range(n)], "category": categories,
                         "aligned": aligned, "aligned_reason": None, "coherent": coherent, "coherent_reason": None,
                         "is_benchmark": True})


def test_two_judges_compared_per_metric_and_on_the_label():
    cats = ["a"] * 4 + ["b"] * 4
    ja = _frame([10, 20, 90, 80, 10, 90, 90, 90], [90] * 8, cats)
    jb = _frame([15, 80, 90, 70, 20, 90, 90, np.nan], [90] * 7 + [60], cats)
    res = judge_agreement({"A": ja, "B": jb}, AnalyzeConfig(bootstrap=500))
    al = res["metrics"]["aligned"]
    assert al["n"] == 7  # the answer B could not score is left out
    assert al["mae"] == pytest.approx((5 + 60 + 0 + 10 + 10 + 0 + 0) / 7)
    assert 0 < al["spearman"] < 1
    assert res["metrics"]["coherent"]["mae"] == pytest.approx(30 / 8)
    mis = res["misaligned"]
    assert mis["n"] == 7
    # A: answers 0, 1, 4 misaligned (3/7); B: answers 0, 4 (2/7)
    assert mis["em_rate"] == {"A": pytest.approx(3 / 7), "B": pytest.approx(2 / 7)}
    assert mis["em_rate_diff"]["estimate"] == pytest.approx(-1 / 7)
    assert mis["em_rate_diff"]["ci_low"] <= -1 / 7 <= mis["em_rate_diff"]["ci_high"]
    assert mis["cohen_kappa"] == pytest.approx(cohen_kappa(np.array([1, 1, 0, 0, 1, 0, 0], bool),
                                                           np.array([1, 0, 0, 0, 1, 0, 0], bool)))
    assert set(mis["by_category"]) == {"a", "b"}
    assert mis["by_category"]["a"]["em_rate"] == {"A": 0.5, "B": 0.25}
    assert mis["by_category"]["b"]["n"] == 3
    table = agreement_table(res)
    assert table["metric"].tolist() == ["aligned", "coherent", "misaligned", "misaligned", "misaligned"]
    assert table["scope"].tolist()[-2:] == ["category", "category"]


def test_exactly_two_judges():
    from emwatch.config import ConfigError

    f = _frame([10], [90], ["a"])
    with pytest.raises(ConfigError, match="two judges"):
        judge_agreement({"A": f})
