"""The anytime-valid decision: its false-alarm guarantee under many looks, its detection of a jump, and the
base rate it tests against."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emwatch.monitor import OnsetTest, first_stop, null_rate


def test_a_rate_at_the_base_rate_rarely_alarms_however_often_it_is_looked_at():
    # 30 looks per run at exactly the null rate: Ville's inequality bounds the share of runs ever stopped by
    # alpha; a naive per-look test at 5% would stop most of them (1 - 0.95**30 = 79%).
    rng = np.random.default_rng(1)
    stops = sum(first_stop([(rng.binomial(80, 0.05), 80) for _ in range(30)], 0.05) is not None for _ in range(300))
    assert stops / 300 <= 0.05


def test_a_jump_from_one_to_twenty_percent_is_caught_within_two_looks():
    rng = np.random.default_rng(2)
    delays = []
    for _ in range(100):
        counts = [(rng.binomial(80, 0.01 if i < 6 else 0.2), 80) for i in range(12)]
        stop = first_stop(counts, null_rate(1, 80, base_rate=None, floor=0.02, confidence=0.95), horizon=12)
        delays.append(math.inf if stop is None else stop - 6)
    delays = np.array(delays)
    assert (delays >= 0).all()                  # never before the onset
    assert np.mean(delays <= 2) >= 0.95


def test_the_e_value_stays_one_before_any_evidence_and_the_onset_estimate_is_the_jump():
    t = OnsetTest(0.05, alpha=0.05, horizon=10)
    for _ in range(4):
        d = t.update(4, 80)                     # exactly the null rate
        assert d.e_value < 1.5 and not d.decided
    d = t.update(20, 80)
    d = t.update(20, 80)
    assert d.decided and d.onset_look == 5      # the likeliest start look is the first high one
    assert d.threshold == pytest.approx(20.0)


def test_alternatives_at_or_below_the_base_rate_are_dropped():
    t = OnsetTest(0.3, alternatives=(0.1, 0.2, 0.4))
    assert list(t.qs) == [0.4]
    assert list(OnsetTest(0.5, alternatives=(0.1,)).qs) == [0.75]   # none left: halfway to 1


def test_the_null_rate_is_the_upper_wilson_bound_with_a_floor_or_the_given_rate():
    assert null_rate(1, 80, base_rate=None, floor=0.0, confidence=0.95) == pytest.approx(0.0677, abs=1e-3)
    assert null_rate(0, 1000, base_rate=None, floor=0.02, confidence=0.95) == 0.02
    assert null_rate(None, None, base_rate=0.1, floor=0.02, confidence=0.95) == 0.1
    assert null_rate(None, 0, base_rate=None, floor=0.03, confidence=0.95) == 0.03


@pytest.mark.parametrize("k,n", [(-1, 5), (6, 5)])
def test_impossible_counts_are_refused(k, n):
    with pytest.raises(ValueError):
        OnsetTest(0.05).update(k, n)


def _false_alarms(runs: int, looks: int, n: int, p0: float, horizon: int | None, alpha: float, seed: int) -> float:
    """Share of simulated runs the real test ever stops when every look's rate is exactly p0 (the null's edge)."""
    rng = np.random.default_rng(seed)
    return float(np.mean([first_stop([(int(rng.binomial(n, p0)), n) for _ in range(looks)], p0, alpha=alpha,
                                     horizon=horizon) is not None for _ in range(runs)]))


@pytest.mark.parametrize("horizon,n,alpha,runs", [
    # production: the horizon set to the planned looks as every trainer sets it, 80 answers a look, alpha 5%
    # (unnormalised horizon weights w_j = 1 stop ~14% of these runs)
    (30, 80, 0.05, 1000),
    # open-ended weights at a loose alpha, where Ville's bound is nearly reached (the real test stops ~16%;
    # w_j = 1/j, whose sum grows like log t, stops ~56%, above the 50% the guarantee allows)
    (None, 8, 0.5, 1500),
])
def test_the_false_alarm_rate_at_the_base_rate_is_at_most_alpha(horizon, n, alpha, runs):
    rate = _false_alarms(runs, 30, n, 0.05, horizon, alpha, seed=11)
    assert rate <= alpha


@pytest.mark.parametrize("horizon", [1, 7, 30])
def test_the_start_look_weights_with_a_horizon_sum_to_one(horizon):
    t = OnsetTest(0.05, horizon=horizon)
    assert sum(t.weight(j) for j in range(1, horizon + 1)) == pytest.approx(1.0, abs=1e-12)
    assert t.weight(horizon + 1) == 0.0 and t._tail(horizon + 3) == 0.0
    for look in range(horizon + 1):  # weight of the start looks taken so far + of those to come = 1 at every look
        assert sum(t.weight(j) for j in range(1, look + 1)) + t._tail(look) == pytest.approx(1.0, abs=1e-12)


def test_the_open_ended_start_look_weights_sum_to_one_at_every_look():
    t = OnsetTest(0.05)
    for look in (0, 1, 2, 5, 50, 1000):
        assert sum(t.weight(j) for j in range(1, look + 1)) + t._tail(look) == pytest.approx(1.0, abs=1e-12)
    assert t.weight(1) == 0.5 and t.weight(3) == pytest.approx(1 / 12)


def test_no_evidence_leaves_the_e_value_at_one_whatever_the_weights():
    # k = 0 of n = 0 answers: every likelihood ratio is 1, so M_t = sum of all weights = 1 at every look
    for horizon in (None, 5):
        t = OnsetTest(0.05, horizon=horizon)
        for _ in range(8):
            assert t.update(0, 0).e_value == pytest.approx(1.0, abs=1e-12)
