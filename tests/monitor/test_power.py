"""The monitor states its power: the smallest EM rate the anytime-valid test detects (>= 80% probability) within 1
and 2 looks, checked against the real test run on every outcome (brute force) and on random draws; the demo's
monitor says it cannot see 20% EM and how many probe answers would; the dry run and the monitor print it."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from scipy.stats import binom
from typer.testing import CliRunner

from emwatch.config import MonitorConfig
from emwatch.monitor import Monitor, OnsetTest, first_stop, monitor_power, null_rate, power

ALT = (0.1, 0.2, 0.4)


def brute_force_power(n: int, p0: float, rate: float, horizon: int | None, looks: int, alpha: float = 0.05) -> float:
    """P(the real test decides within `looks` looks), summed over every outcome (k_1..k_looks), each run through
    OnsetTest.update, with binomial probabilities from scipy."""
    pmf = binom.pmf(np.arange(n + 1), n, rate)
    total = 0.0
    for ks in itertools.product(range(n + 1), repeat=looks):
        test = OnsetTest(p0, alpha, ALT, horizon)
        if any(test.update(k, n).decided for k in ks):
            total += float(np.prod(pmf[list(ks)]))
    return total


@pytest.mark.parametrize("n,horizon", [(12, 6), (30, None), (20, 10)])
def test_the_detectable_rates_are_where_the_real_test_reaches_80_percent(n, horizon):
    p = power(n, alpha=0.05, alternatives=ALT, horizon=horizon, base_rate=None, floor=0.02, confidence=0.95)
    assert p.p0 == pytest.approx(null_rate(0, n, base_rate=None, floor=0.02, confidence=0.95))
    for looks, rate in ((1, p.within1), (2, p.within2)):
        assert rate is not None
        assert brute_force_power(n, p.p0, rate, horizon, looks) >= 0.8          # at the stated rate: detected
        assert brute_force_power(n, p.p0, rate - 0.002, horizon, looks) < 0.8   # a little below: not
    assert p.within2 < p.within1                                                 # a second look helps


def test_the_stated_power_holds_on_simulated_runs_of_the_real_test():
    # 20 answers a look, 10 looks planned, a measured base of 1/20: EM at the stated 2-look rate from the first
    # look is stopped within 2 looks in >= 80% of 3000 simulated runs (3 standard errors of slack)
    p0 = null_rate(1, 20, base_rate=None, floor=0.02, confidence=0.95)
    p = power(20, alpha=0.05, alternatives=ALT, horizon=10, base_rate=None, floor=0.02, confidence=0.95, p0=p0)
    assert p.p0_measured and p.p0 == p0
    rng = np.random.default_rng(7)
    runs = 3000
    hits = sum((s := first_stop([(int(rng.binomial(20, p.within2)), 20) for _ in range(2)], p0, horizon=10))
               is not None and s <= 1 for _ in range(runs))
    assert hits / runs >= 0.8 - 3 * np.sqrt(0.8 * 0.2 / runs)


def test_the_demo_monitor_cannot_see_any_rate_and_names_the_probe_count_that_would():
    from emwatch.run import load_study
    from emwatch.run._plan import plan_runs

    (run,) = plan_runs(load_study("studies/demo.yaml"))
    cfg = run.cfg.monitor
    p = monitor_power(cfg, len(run.checkpoint_steps()))
    assert (p.n, p.horizon) == (4, 2)
    # 4 answers, p0 = 49%: even 8 misaligned answers of 8 give M_2 below 1/alpha
    assert p.within1 is None and p.within2 is None and p.warn
    assert brute_force_power(4, p.p0, 1.0, 2, 2) == 0.0
    m = p.needed
    p0_of = lambda k: null_rate(0, k, base_rate=None, floor=0.02, confidence=0.95)  # noqa: E731
    assert brute_force_power(m, p0_of(m), 0.2, 2, 2) >= 0.8 > brute_force_power(m - 1, p0_of(m - 1), 0.2, 2, 2)
    assert f"{m} probe answers a look would" in p.text() and "warning" in p.text()


def test_a_monitor_that_sees_20_percent_is_not_warned():
    p = power(80, alpha=0.05, alternatives=ALT, horizon=10, base_rate=None, floor=0.02, confidence=0.95)
    assert not p.warn and p.needed is None and "warning" not in p.text()
    assert p.within2 <= 0.2


def test_the_dry_run_prints_the_demo_monitors_power():
    from emwatch.cli import app

    res = CliRunner().invoke(app, ["run", "studies/demo.yaml", "--dry-run"])
    assert res.exit_code == 0, res.output
    cfg = MonitorConfig(judge={"kind": "transformers", "model": "demo"}, coherence="if_unaligned", per_category=1,
                        max_probes=4, domain_probes=0, samples=1, max_new_tokens=16, action="flag")
    p = monitor_power(cfg, 2)
    line = next(x for x in res.stdout.splitlines() if x.strip().startswith("monitor "))
    assert "4 probe answers a look" in line and "2 looks planned" in line and "none (not even 100%)" in line
    assert f"warning: this monitor cannot see 20% EM within 2 looks; {p.needed} probe answers" in res.stdout
    js = CliRunner().invoke(app, ["run", "studies/demo.yaml", "--dry-run", "-f", "json"])
    (m,) = json.loads(js.stdout)["monitor"]
    assert m["probe_answers"] == 4 and m["looks"] == 2 and m["detectable_within_2"] is None
    assert m["warning"] is True and m["answers_needed"] == p.needed


def test_the_monitor_says_its_power_at_start_and_again_once_the_base_sets_p0():
    from fakes import ScriptedBackend

    from emwatch.backends import NumberDistribution

    said: list[str] = []
    cfg = MonitorConfig(per_category=1, domain_probes=0, samples=1, judge_async=False, action="flag")
    m = Monitor(cfg, run_id="r", judge=ScriptedBackend(judge=lambda _p: NumberDistribution(probs={"90": 1.0})),
                horizon=4, echo=said.append)
    assert len(said) == 1 and "8 probe answers a look, 4 looks planned" in said[0] and "warning" in said[0]
    m.observe(0, ["a kind answer"] * 8)
    m.observe(1, ["a kind answer"] * 8)
    m.close()
    start = next(s for s in said if "base model 0/8 misaligned" in s)
    assert f"p0 {m.test.p0:.1%}:" in start
