"""The persona direction's validation figures (monitor/_auroc.py) against values worked by hand and Hanley & McNeil's
variance written out from the paper's Q1, Q2 form (the mutation run's tests for the module: tools/mutate.py)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from emwatch.monitor._auroc import _hm_variance, auroc, auroc_interval, figures, separation


def test_auroc_counts_pairs_and_ties_half():
    # pairs (pos, neg): (1,0) > ; (1,2) < ; (2,0) > ; (2,2) tie ; (3,0) > ; (3,2) >  ->  (4 + 0.5) / 6
    assert auroc([1, 2, 3], [0, 2]) == 0.75
    assert auroc([0, 2], [1, 2, 3]) == 0.25
    assert auroc([5], [5]) == 0.5
    assert auroc([2, 3], [0, 1]) == 1.0 and auroc([0, 1], [2, 3]) == 0.0


@pytest.mark.parametrize("pos,neg", [([], [1.0]), ([1.0], []), ([], [])])
def test_auroc_of_an_empty_group_is_undefined_without_a_warning(pos, neg):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 0/0 division: the figures are printed by `emwatch monitor direction`
        assert math.isnan(auroc(pos, neg))


def _hanley_mcneil(theta: float, n_pos: int, n_neg: int) -> float:
    q1, q2 = theta / (2 - theta), 2 * theta ** 2 / (1 + theta)
    return (theta * (1 - theta) + (n_pos - 1) * (q1 - theta ** 2) + (n_neg - 1) * (q2 - theta ** 2)) / (n_pos * n_neg)


@pytest.mark.parametrize("theta,n_pos,n_neg", [(0.75, 3, 2), (0.9, 20, 7), (0.3, 5, 40)])
def test_the_variance_is_hanley_and_mcneils(theta, n_pos, n_neg):
    assert float(_hm_variance(np.float64(theta), n_pos, n_neg)) == pytest.approx(_hanley_mcneil(theta, n_pos, n_neg),
                                                                                 rel=1e-12)
    assert float(_hm_variance(np.float64(0.75), 3, 2)) == pytest.approx(0.25 * 0.75 / 6 * (1 + 0.4 + 0.75 / 1.75))


@pytest.mark.parametrize("a,n_pos,n_neg,confidence", [(0.75, 12, 9, 0.95), (0.9, 40, 40, 0.95), (0.6, 8, 30, 0.9)])
def test_the_interval_ends_where_the_squared_distance_meets_z2_times_the_variance(a, n_pos, n_neg, confidence):
    z = norm.ppf(0.5 + confidence / 2)
    f = lambda t: (a - t) ** 2 - z * z * _hanley_mcneil(t, n_pos, n_neg)  # noqa: E731
    lo, hi = auroc_interval(a, n_pos, n_neg, confidence)
    assert lo == pytest.approx(brentq(f, 1e-9, a), abs=1e-5)
    assert hi == pytest.approx(brentq(f, a, 1 - 1e-9), abs=1e-5)
    assert lo < a < hi


def test_a_perfect_auroc_on_few_answers_keeps_a_lower_bound_below_one():
    lo, hi = auroc_interval(1.0, 4, 4)
    assert hi == 1.0 and 0.5 < lo < 0.95
    lo0, hi0 = auroc_interval(0.0, 4, 4)
    assert lo0 == 0.0 and hi0 == pytest.approx(1 - lo, abs=1e-5)  # the mirror image (n_pos = n_neg)


@pytest.mark.parametrize("a,n_pos,n_neg", [(math.nan, 5, 5), (0.7, 0, 5), (0.7, 5, 0)])
def test_no_interval_without_answers_in_both_groups(a, n_pos, n_neg):
    assert all(math.isnan(x) for x in auroc_interval(a, n_pos, n_neg))


def test_the_separation_is_cohens_d_or_the_mean_difference_without_spread():
    # sample variances 1 and 0.5: pooled sd sqrt(0.75); mean difference 2 - 0.5
    assert separation(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0])) == pytest.approx(1.5 / math.sqrt(0.75))
    assert separation(np.array([3.0]), np.array([0.0, 2.0])) == 2.0  # one answer: no sd, the difference
    assert separation(np.array([1.0, 1.0]), np.array([2.0, 2.0])) == -1.0  # no spread: the difference
    assert separation(np.array([1.0, 2.0]), np.array([0.0])) == 1.5
    assert separation(np.array([1.0, 3.0]), np.array([0.0, 2.0])) == pytest.approx(1 / math.sqrt(2))  # two each


@pytest.mark.parametrize("pos,neg", [([3.0], [0.0, 2.0]), ([1.0, 2.0], [0.0]), ([1.0], [0.0])])
def test_a_group_of_one_answer_gives_the_difference_without_a_warning(pos, neg):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sample variance of one value (ddof=1) is not taken
        assert separation(np.array(pos), np.array(neg)) == np.mean(pos) - np.mean(neg)


def test_figures_name_the_groups_and_their_means():
    pos, neg = np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0])
    f = figures(pos, neg)
    lo, hi = auroc_interval(0.75, 3, 2)
    assert f == {"auroc": 0.75, "ci_low": lo, "ci_high": hi, "n_misaligned": 3, "n_aligned": 2,
                 "mean_misaligned": 2.0, "mean_aligned": 1.0}
    empty = figures(np.array([]), neg)
    assert math.isnan(empty["auroc"]) and empty["mean_misaligned"] is None and empty["mean_aligned"] == 1.0
    assert figures(pos, np.array([]))["mean_aligned"] is None
