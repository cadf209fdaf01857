"""early_stop_summary's counts and pooled retention, and the retention bootstrap over runs, on small hand-made
frames: values worked by hand, and the bootstrap against a per-resample loop written here from its docstring
(tools/mutate.py runs these for analysis/_early_stop.py; the planted-study tests of test_early_stop.py are too slow
to repeat per mutant)."""

import math

import numpy as np
import pandas as pd
import pytest

from emwatch.analysis._compare import ratio_interval
from emwatch.analysis._early_stop import _bootstrap_ratio, early_stop_summary, early_stopping
from emwatch.config import AnalyzeConfig


def _es(rows):
    """An early_stopping frame of the columns the summary reads; each row: (chosen_step, task_rate, n_task,
    final_task_rate, final_n_task, final_vs_base, em_eliminated, em_rate); retention = task / final where both
    are given and the final is not 0."""
    out = []
    for step, task, n1, final, n0, fvb, elim, em in rows:
        ret = task / final if step is not None and final else math.nan
        out.append({"dataset": "d", "policy": "p", "chosen_step": math.nan if step is None else step,
                    "task_rate": task, "n_task": n1, "final_task_rate": final, "final_n_task": n0, "retention": ret,
                    "final_vs_base": fvb, "em_eliminated": elim, "em_rate": em})
    return pd.DataFrame(out)


def _reference_bootstrap(kc, nc, kf, nf, resamples, confidence, seed):
    """The bootstrap of the pooled retention, one resample at a time: draw runs with replacement, redraw each
    drawn run's task answers at the chosen and the final step from its binomials, keep resamples whose final task
    is not 0, and take the percentile interval of chosen / final (same generator, same order of draws)."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(nc), size=(resamples, len(nc)))
    chosen = rng.binomial(np.asarray(nc)[picks], (np.asarray(kc) / np.asarray(nc))[picks])
    final = rng.binomial(np.asarray(nf)[picks], (np.asarray(kf) / np.asarray(nf))[picks])
    ratios = []
    for b in range(resamples):
        runs = picks[b]
        f = sum(int(x) for x in final[b]) / sum(int(nf[r]) for r in runs)
        if f > 0:
            ratios.append(sum(int(x) for x in chosen[b]) / sum(int(nc[r]) for r in runs) / f)
    if not ratios:
        return math.nan, math.nan
    ratios.sort()
    alpha = (1 - confidence) / 2
    return float(np.quantile(ratios, alpha)), float(np.quantile(ratios, 1 - alpha))


def test_counts_of_runs_without_a_choice_and_without_a_task_signal():
    es = _es([(10, 0.5, 100, 0.5, 100, "above", True, 0.1),      # chosen, with retention, EM eliminated
              (20, 0.2, 100, 0.4, 100, "above", False, 0.3),     # chosen, with retention, EM kept
              (30, 0.1, 100, 0.0, 100, "not above", None, 0.2),  # chosen, final task 0: no task signal
              (None, math.nan, math.nan, 0.5, 100, "above", None, math.nan),   # nothing chosen
              (None, math.nan, math.nan, 0.5, 100, "above", None, math.nan)])  # nothing chosen
    s = early_stop_summary(es).iloc[0]
    assert s.n_runs == 3 and s.n_not_chosen == 2          # 5 rows, 3 with a step
    assert s.n_retention == 2 and s.n_no_task_signal == 1
    assert s.n_em_runs == 2 and s.n_eliminated == 1 and s.n_undecided == 0
    assert s.share_eliminated == 0.5                       # 1 of the 2 runs that end with EM
    assert s.mean_em_rate == pytest.approx(0.2)            # (0.1 + 0.3 + 0.2) / 3, chosen runs only
    assert s.mean_retention == pytest.approx((1.0 + 0.5) / 2)


def test_pooled_retention_is_summed_task_answers_over_summed_n_at_chosen_over_final():
    # run A: 50/100 at the chosen step, 50/100 at the end; run B: 10/100 and 40/100
    es = _es([(10, 0.5, 100, 0.5, 100, "above", True, 0.1), (10, 0.1, 100, 0.4, 100, "above", True, 0.1)])
    s = early_stop_summary(es).iloc[0]
    assert s.retention == pytest.approx((60 / 200) / (90 / 200))   # 0.667, not the mean of 1.0 and 0.25
    assert s.mean_retention == pytest.approx(0.625)
    assert s.n_task_chosen == 200 and s.n_task_final == 200


def test_one_run_gets_the_mover_interval_of_its_counts_and_no_bootstrap():
    es = _es([(10, 0.3, 1000, 0.6, 1000, "above", True, 0.1)])
    s = early_stop_summary(es, AnalyzeConfig(bootstrap=400, seed=3)).iloc[0]
    ret, lo, hi = ratio_interval(300, 1000, 600, 1000, 0.95)
    assert (s.retention, s.retention_low, s.retention_high) == (ret, lo, hi)
    # a bootstrap of this one run would have moved a bound (so the check above can fail)
    blo, bhi = _reference_bootstrap([300], [1000], [600], [1000], 400, 0.95, 3)
    assert blo < lo or bhi > hi


def test_two_runs_widen_the_interval_by_the_bootstrap_over_runs():
    # run A keeps all its task (500/1000 -> 500/1000), run B a quarter (100/1000 -> 400/1000): a quarter of the
    # resamples are A twice (retention about 1), a quarter B twice (about 0.25), far outside the pooled counts'
    # MOVER interval around 600/2000 / 900/2000 = 0.667
    es = _es([(10, 0.5, 1000, 0.5, 1000, "above", True, 0.1), (10, 0.1, 1000, 0.4, 1000, "above", True, 0.1)])
    cfg = AnalyzeConfig(bootstrap=400, seed=11)
    s = early_stop_summary(es, cfg).iloc[0]
    ret, lo, hi = ratio_interval(600, 2000, 900, 2000, 0.95)
    assert 0.6 < lo < ret < hi < 0.75
    assert 0.15 < s.retention_low < 0.35 and 0.9 < s.retention_high < 1.15
    blo, bhi = _reference_bootstrap([500, 100], [1000, 1000], [500, 400], [1000, 1000], 400, 0.95, 11)
    assert (s.retention_low, s.retention_high) == pytest.approx((min(lo, blo), max(hi, bhi)), rel=1e-12)


@pytest.mark.parametrize("confidence", [0.95, 0.8])
def test_the_bootstrap_matches_a_per_resample_loop(confidence):
    kc, nc, kf, nf = np.array([3, 9, 1]), np.array([10, 20, 5]), np.array([6, 12, 4]), np.array([10, 20, 5])
    cfg = AnalyzeConfig(bootstrap=300, seed=5, confidence=confidence)
    got = _bootstrap_ratio(kc, nc, kf, nf, cfg, np.random.default_rng(5))
    want = _reference_bootstrap(kc, nc, kf, nf, 300, confidence, 5)
    assert got == pytest.approx(want, rel=1e-12)
    assert got[0] < (13 / 35) / (22 / 35) < got[1]


def test_the_bootstrap_drops_resamples_whose_final_task_is_zero():
    # run B has no task answers flagged at the end: a resample of B twice has final 0 and is left out
    kc, nc, kf, nf = np.array([5, 5]), np.array([10, 10]), np.array([5, 0]), np.array([10, 10])
    cfg = AnalyzeConfig(bootstrap=200, seed=2)
    lo, hi = _bootstrap_ratio(kc, nc, kf, nf, cfg, np.random.default_rng(2))
    assert math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi
    assert (lo, hi) == pytest.approx(_reference_bootstrap(kc, nc, kf, nf, 200, 0.95, 2), rel=1e-12)


def test_the_bootstrap_of_runs_that_all_end_without_task_is_undefined():
    got = _bootstrap_ratio(np.array([5, 5]), np.array([10, 10]), np.array([0, 0]), np.array([10, 10]),
                           AnalyzeConfig(bootstrap=100), np.random.default_rng(0))
    assert isinstance(got, tuple) and len(got) == 2 and all(math.isnan(x) for x in got)


def test_without_a_final_verdict_column_no_run_counts_as_ending_with_em():
    es = _es([(10, 0.5, 100, 0.5, 100, "above", True, 0.1), (20, 0.2, 100, 0.4, 100, "above", True, 0.1),
              (30, 0.2, 100, 0.4, 100, "above", True, 0.1)]).drop(columns="final_vs_base")
    s = early_stop_summary(es).iloc[0]
    assert s.n_runs == 3 and s.n_em_runs == 0 and s.n_eliminated == 0 and math.isnan(s.share_eliminated)


def _dyn_run(task_n=200):
    steps = [0, 10, 20]
    return pd.DataFrame({"run_id": "r", "step": steps, "from_base": [True, False, False], "heldout_loss": math.nan,
                         "above_base": [False, False, True], "vs_base": [None, "not above", "above"],
                         "task_rate": [0.1, 0.3, 0.6], "n_task": task_n, "em_rate": 0.1, "ci_low": 0.05,
                         "ci_high": 0.2, "n": 10, "n_misaligned": 1})


def _milestones(run, **extra):
    return pd.DataFrame([{"run_id": "r", "model": "m", "dataset": "d", "seed": 0, "lr": 1e-4, "group": "g",
                          "convergence_step": 10, "onset_step": 20, "total_steps": 20, "final_task_rate": 0.6,
                          "base_rate": 0.01, "final_em_rate": 0.1, "final_above_base": True,
                          "final_vs_base": "above", **extra}])


def test_retention_with_counts_gets_the_mover_interval_of_chosen_over_final():
    run = _dyn_run()
    es = early_stopping(run, _milestones(run, final_n_task=200), ["task_convergence"]).iloc[0]
    ret, lo, hi = ratio_interval(60, 200, 120, 200, AnalyzeConfig().confidence)   # 0.3 * 200 over 0.6 * 200
    assert (es.retention, es.retention_low, es.retention_high) == (ret, lo, hi)
    assert lo < 0.5 < hi and es.n_task == 200 and es.final_n_task == 200


def test_base_n_is_zero_when_the_milestones_do_not_carry_it():
    run = _dyn_run()
    es = early_stopping(run, _milestones(run), ["final"]).iloc[0]
    assert es.base_n == 0
    es = early_stopping(run, _milestones(run, base_n=37), ["final"]).iloc[0]
    assert es.base_n == 37
