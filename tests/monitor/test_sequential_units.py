"""Fast, exact checks of the e-process and its power against hand computation (plain Python math, no numpy): the
e-value after each look, the start-look weights, the threshold, the onset estimate, the base bound, the decision
sets and power over every binomial outcome. `make mutate` runs these for monitor/_sequential.py."""

from __future__ import annotations

import itertools
import math

import pytest

from emwatch.monitor import OnsetTest, first_stop, null_rate, power
from emwatch.monitor._sequential import FLOOR_RATE, MAX_ANSWERS, POWER, _deciding, _power, detectable_rate


def lr(q: float, p0: float, k: int, n: int) -> float:
    return (q / p0) ** k * ((1 - q) / (1 - p0)) ** (n - k)


def hand_e(looks: list[tuple[int, int]], p0: float, qs: list[float], weights, tail) -> float:
    """M_t = sum_j w_j mean_q prod_{s=j..t} LR_s(q) + tail(t), by hand."""
    t = len(looks)
    total = tail(t)
    for j in range(1, t + 1):
        total += weights(j) * sum(math.prod(lr(q, p0, k, n) for k, n in looks[j - 1:]) for q in qs) / len(qs)
    return total


def test_the_e_value_with_a_horizon_and_the_default_alternatives_is_the_hand_computed_mixture():
    looks = [(3, 20), (0, 20), (6, 20), (5, 20)]
    t = OnsetTest(0.05, horizon=5)                                  # defaults: alpha 0.05, q in (0.1, 0.2, 0.4)
    for i in range(len(looks)):
        d = t.update(*looks[i])
        want = hand_e(looks[: i + 1], 0.05, [0.1, 0.2, 0.4], lambda j: 1 / 5, lambda u: (5 - u) / 5)
        assert d.e_value == pytest.approx(want, rel=1e-9)
        assert d.look == i + 1 and d.threshold == 20.0 and d.decided == (want >= 20)
    assert t.looks == 4 and t.last is d


def test_the_open_ended_e_value_is_the_hand_computed_mixture():
    looks = [(1, 10), (4, 10), (2, 10)]
    t = OnsetTest(0.1, alpha=0.1, alternatives=(0.3, 0.05, 0.6))   # 0.05 <= p0: dropped
    assert list(t.qs) == [0.3, 0.6]
    for i in range(3):
        d = t.update(*looks[i])
        want = hand_e(looks[: i + 1], 0.1, [0.3, 0.6], lambda j: 1 / (j * (j + 1)), lambda u: 1 / (u + 1))
        assert d.e_value == pytest.approx(want, rel=1e-9)
        assert d.threshold == pytest.approx(10.0)


def test_deciding_happens_at_exactly_one_over_alpha_and_is_remembered():
    # one look, horizon 1: M_1 = mean_q LR(q); the smallest k with M_1 >= 20 decides, k - 1 does not
    n, p0 = 10, 0.05
    es = [sum(lr(q, p0, k, n) for q in (0.1, 0.2, 0.4)) / 3 for k in range(n + 1)]
    first = next(k for k, e in enumerate(es) if e >= 20)
    assert not OnsetTest(p0, horizon=1).update(first - 1, n).decided
    t = OnsetTest(p0, horizon=3)
    assert not t.update(0, n).decided and t.decided_at is None
    assert t.update(n, n).decided and t.decided_at == 2
    t.update(n, n)
    assert t.decided_at == 2                                        # the first decision is kept
    assert first_stop([(0, n), (n, n), (n, n)], p0, horizon=3) == 1
    assert first_stop([(0, n)] * 3, p0, horizon=3) is None


def test_the_onset_estimate_is_the_likeliest_start_and_none_without_evidence():
    t = OnsetTest(0.05, horizon=6)
    for _ in range(3):
        assert t.update(0, 20).onset_look is None                   # every product below 1
    assert t.update(8, 20).onset_look == 4
    assert t.update(9, 20).onset_look == 4
    u = OnsetTest(0.05, horizon=6)
    u.update(0, 20)
    assert u.update(1, 20).onset_look is None                     # 1/20 at p0 0.05: LR < 1 for every q above


def test_an_infinite_e_value_is_reported_as_inf():
    d = OnsetTest(1e-9, alternatives=(0.9,), horizon=1).update(2000, 2000)
    assert d.e_value == math.inf and d.decided


def test_the_base_rate_bounds_and_the_refusals():
    assert OnsetTest(0.0).p0 == 1e-6                                # a zero base: one answer is not infinite evidence
    assert null_rate(20, 20, base_rate=None, floor=0.0, confidence=0.95) == 0.99
    assert null_rate(0, 20, base_rate=0.01, floor=0.02, confidence=0.95) == 0.02
    assert null_rate(0, 20, base_rate=None, floor=0.0, confidence=0.95) == pytest.approx(1.96 ** 2 / (20 + 1.96 ** 2),
                                                                                         rel=1e-3)
    for bad in (dict(p0=1.0), dict(p0=-0.01), dict(p0=0.1, alpha=0.0), dict(p0=0.1, alpha=1.0)):
        with pytest.raises(ValueError):
            OnsetTest(**bad)
    OnsetTest(0.0, alpha=0.5)                                       # the edges that are allowed
    for k, n in ((0, -1), (-1, 3), (4, 3)):
        with pytest.raises(ValueError):
            OnsetTest(0.1).update(k, n)
    assert OnsetTest(0.1).update(3, 3).look == 1                    # k == n is a look


@pytest.mark.parametrize("n,horizon,p0,alpha", [(3, 3, 0.02, 0.05), (5, None, 0.02, 0.05), (4, 1, 0.02, 0.05),
                                                (4, 2, 0.02, 0.05), (3, 3, 0.3, 0.5), (1, 2, 0.05, 0.5),
                                                (4, 2, 0.3, 0.5)])
def test_the_deciding_outcomes_are_the_real_tests_over_every_outcome(n, horizon, p0, alpha):
    # the last three: M values near 1/alpha, where the weight of the looks to come decides
    d1, d2 = _deciding(n, p0, alpha, (0.1, 0.2, 0.4), horizon)
    for k1 in range(n + 1):
        assert d1[k1] == OnsetTest(p0, alpha, horizon=horizon).update(k1, n).decided
        for k2 in range(n + 1):
            t = OnsetTest(p0, alpha, horizon=horizon)
            assert d2[k1, k2] == (t.update(k1, n).decided | t.update(k2, n).decided)
    assert d2.any()


def test_the_power_sums_the_binomial_probabilities_of_the_deciding_outcomes():
    n, p0, rate = 4, 0.02, 0.3
    d1, d2 = _deciding(n, p0, 0.05, (0.1, 0.2, 0.4), 2)
    pmf = [math.comb(n, k) * rate ** k * (1 - rate) ** (n - k) for k in range(n + 1)]
    want1 = sum(pmf[k] for k in range(n + 1) if d1[k])
    want2 = sum(pmf[a] * pmf[b] for a, b in itertools.product(range(n + 1), repeat=2) if d2[a, b])
    got = _power([d1, d2], rate, n)
    assert got[0] == pytest.approx(want1, abs=1e-12) and got[1] == pytest.approx(want2, abs=1e-12)
    assert 0 < want1 < want2 < 1


def test_the_detectable_rate_is_the_80_percent_crossing_to_a_tenth_of_a_point():
    n = 6
    deciding = _deciding(n, 0.02, 0.05, (0.1, 0.2, 0.4), 2)
    for looks in (1, 2):
        r = detectable_rate(deciding, n, looks)
        assert r == pytest.approx(round(r, 3), abs=1e-12)
        assert _power(deciding, r, n)[looks - 1] >= POWER > _power(deciding, r - 0.001, n)[looks - 1]
    assert detectable_rate(deciding, n, 2, power=0.99) > detectable_rate(deciding, n, 2)
    never = _deciding(2, 0.5, 0.05, (0.1, 0.2, 0.4), 2)
    assert detectable_rate(never, 2, 2) is None


def test_power_names_the_smallest_probe_count_that_sees_20_percent():
    p = power(6, alpha=0.05, alternatives=(0.1, 0.2, 0.4), horizon=3, base_rate=None, floor=0.02, confidence=0.95)
    assert p.warn and p.n == 6 and p.horizon == 3 and p.alpha == 0.05 and not p.p0_measured
    assert p.p0 == null_rate(0, 6, base_rate=None, floor=0.02, confidence=0.95)
    m = p.needed

    def sees(k: int) -> bool:
        p0 = null_rate(0, k, base_rate=None, floor=0.02, confidence=0.95)
        return _power(_deciding(k, p0, 0.05, (0.1, 0.2, 0.4), 3), FLOOR_RATE, k)[1] >= POWER

    assert m is not None and sees(m) and not sees(m - 1)
    assert f"{m} probe answers a look would" in p.text() and "warning" in p.text()


def test_a_given_p0_is_tested_and_said_and_a_monitor_that_sees_20_percent_is_not_warned():
    p = power(80, alpha=0.05, alternatives=(0.1, 0.2, 0.4), horizon=10, base_rate=None, floor=0.02,
              confidence=0.95, p0=0.03)
    assert p.p0 == 0.03 and p.p0_measured and not p.warn and p.needed is None
    assert p.within1 is not None and p.within2 <= FLOOR_RATE < p.within1 + 1
    assert "p0 3.0%:" in p.text() and "warning" not in p.text() and "if the base model" not in p.text()
    with pytest.raises(ValueError):
        power(0, alpha=0.05, alternatives=(0.1,), horizon=2, base_rate=None, floor=0.02, confidence=0.95)
    one = power(1, alpha=0.5, alternatives=(0.9,), horizon=1, base_rate=0.01, floor=0.0, confidence=0.95)
    assert one.n == 1 and one.p0 == 0.01                          # one answer a look is a monitor too
    # by hand: one answer, q 0.9 against 0.01: a misaligned answer is LR 90 >= 1/alpha = 2, an aligned one 0.1/0.99;
    # horizon 1, so a second look only continues the first start: 0.101 * 90 >= 2 decides too. Power within 1 look
    # = rate, within 2 = 1 - (1 - rate)^2
    assert one.within1 == 0.8 and one.within2 == math.ceil(1000 * (1 - math.sqrt(0.2))) / 1000
    assert one.needed is None      # a bet on 90% loses evidence at 20% EM: more answers make it worse


def test_a_monitor_no_probe_count_can_save_says_so():
    # a base rate of 25% given: 20% EM is under the tested rate, so no probe count sees it
    p = power(4, alpha=0.05, alternatives=(0.1, 0.2, 0.4), horizon=2, base_rate=0.25, floor=0.02, confidence=0.95)
    assert p.warn and p.needed is None and f"not even {MAX_ANSWERS} probe answers" in p.text()
    assert MAX_ANSWERS == 1000                                      # the cap docs/monitor.md states
    demo = power(4, alpha=0.05, alternatives=(0.1, 0.2, 0.4), horizon=2, base_rate=None, floor=0.02, confidence=0.95)
    assert demo.within1 is None and demo.within2 is None and "none (not even 100%)" in demo.text()


def test_edges_decide_at_exactly_one_over_alpha_and_no_evidence_names_no_onset():
    d = OnsetTest(0.25, alpha=0.5, alternatives=(0.5,), horizon=1).update(1, 1)
    assert d.e_value == 2.0 and d.decided                           # LR = 0.5 / 0.25 = 1/alpha exactly
    assert OnsetTest(0.1, horizon=3).update(0, 0).onset_look is None  # evidence exactly 1 is no onset


def test_a_rate_seen_only_with_certainty_and_a_monitor_that_needs_two_looks():
    deciding = _deciding(3, 0.02, 0.05, (0.1, 0.2, 0.4), 2)
    assert detectable_rate(deciding, 3, 2, power=1.0) == 1.0        # only an EM rate of 100% is certain
    # 5 answers, p0 43%: 5 of 5 in one look do not decide, two looks of them do
    p = power(5, alpha=0.05, alternatives=(0.1, 0.2, 0.4), horizon=2, base_rate=None, floor=0.02, confidence=0.95)
    assert p.within1 is None and p.within2 is not None
    assert not OnsetTest(p.p0, horizon=2).update(5, 5).decided


def test_mild_evidence_names_its_start_look():
    # 1 of 5 at p0 5%: mean LR over (0.1, 0.2, 0.4) = 1.63 by hand, above 1 (an onset) though below 2
    ev = sum(lr(q, 0.05, 1, 5) for q in (0.1, 0.2, 0.4)) / 3
    assert 1 < ev < 2
    assert OnsetTest(0.05, horizon=3).update(1, 5).onset_look == 1


def test_only_alternatives_strictly_between_p0_and_1_are_bet_on():
    assert list(OnsetTest(0.2, alternatives=(0.2, 1.0, 1.5, 0.4)).qs) == [0.4]


@pytest.mark.parametrize("k,n", [(4, 16), (3, 9), (3, 7)])
def test_first_stop_bets_on_the_three_default_alternatives(k, n):
    # one look, horizon 1: decided iff the mean LR over (0.1, 0.2, 0.4) reaches 20; each case flips without one of them
    hand = hand_e([(k, n)], 0.05, [0.1, 0.2, 0.4], lambda j: 1.0, lambda u: 0.0)
    assert first_stop([(k, n)], 0.05, horizon=1) == (0 if hand >= 20 else None)


def test_a_weightless_second_start_adds_nothing():
    # horizon 1, q 0.5 against p0 0.2, alpha 0.5: an aligned then a misaligned answer give M_2 = 0.625 * 2.5 = 1.56 < 2
    d1, d2 = _deciding(1, 0.2, 0.5, (0.5,), 1)
    assert list(d1) == [False, True] and not d2[0, 1] and d2[1, 0] and not d2[0, 0]


@pytest.mark.parametrize("n,horizon", [(49, 2), (52, 6)])
def test_a_monitor_that_sees_20_percent_within_two_looks_exactly_is_not_warned(n, horizon):
    # 49 answers: 26.8% within 1 look but 19.9% within 2; 52 answers, 6 looks: exactly 20.0% within 2
    p = power(n, alpha=0.05, alternatives=(0.1, 0.2, 0.4), horizon=horizon, base_rate=None, floor=0.02,
              confidence=0.95)
    assert p.within1 > FLOOR_RATE >= p.within2 and not p.warn and p.needed is None


def test_the_power_grid_decides_at_exactly_one_over_alpha():
    assert list(_deciding(1, 0.25, 0.5, (0.5,), 1)[0]) == [False, True]    # M_1 = 0.5 / 0.25 = 2 = 1/alpha
    d1, d2 = _deciding(1, 0.25, 0.25, (0.5,), 1)
    assert not d1.any() and d2[1, 1] and not d2[0, 1]                      # M_2 = 2 x 2 = 4 = 1/alpha


def test_an_overflowing_look_past_the_horizon_still_decides():
    # horizon 1, 300 answers: 300 of 300 misaligned overflow exp (infinite evidence); its own start has no weight,
    # and 0 x inf must not turn M_2 into NaN (not decided)
    d1, d2 = _deciding(300, 0.02, 0.05, (0.1, 0.2, 0.4), 1)
    assert d2[0, 300] and not d1[0]
