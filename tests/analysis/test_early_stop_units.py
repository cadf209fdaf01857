"""Early-stopping policies, summary and chosen steps on small hand-made frames (tools/mutate.py edges)."""

import math

import pandas as pd
import pytest

from emwatch.analysis._early_stop import (
    POLICIES, chosen_steps, early_stop_summary, early_stopping, loss_plateau, register_policy,
)
from emwatch.config import AnalyzeConfig


def _run(losses, above=None, task=None, run_id="r"):
    steps = [0] + [10 * (i + 1) for i in range(len(losses))]
    above = above or [False] * len(steps)
    task = task or [0.1 * (i + 1) for i in range(len(steps))]
    verdicts = [None] + ["above" if a else "not above" for a in above[1:]]
    return pd.DataFrame({"run_id": run_id, "step": steps, "from_base": [True] + [False] * len(losses),
                         "heldout_loss": [math.nan] + list(losses), "above_base": above, "vs_base": verdicts,
                         "task_rate": task, "em_rate": 0.1, "ci_low": 0.05, "ci_high": 0.2, "n": 10, "n_misaligned": 1})


def _ms(run, onset=math.nan, conv=10, run_id="r", **extra):
    return pd.Series({"run_id": run_id, "model": "m", "dataset": "d", "seed": 0, "lr": 1e-4, "group": "g",
                      "convergence_step": conv, "onset_step": onset, "total_steps": run["step"].max(),
                      "final_task_rate": run["task_rate"].iloc[-1], "base_rate": 0.01, "final_em_rate": 0.1,
                      "final_above_base": bool(run["above_base"].iloc[-1]), "final_vs_base": run["vs_base"].iloc[-1],
                      **extra})


def test_loss_plateau_patience_and_min_delta():
    cfg = AnalyzeConfig()
    run = _run([3.0, 2.0, 2.5, 2.4, 1.0])
    assert loss_plateau()(run, _ms(run), cfg) == 20                    # two checkpoints without a gain: stop
    assert loss_plateau(patience=3)(run, _ms(run), cfg) == 50          # a third chance finds the later minimum
    assert loss_plateau(patience=1)(_run([3.0, 2.0, 2.0]), None, cfg) == 20   # equal is not better
    # min_delta: a gain of 0.05 does not count as one
    assert loss_plateau(patience=1, min_delta=0.1)(_run([3.0, 2.95, 1.0]), None, cfg) == 10
    assert loss_plateau(patience=1, min_delta=0.01)(_run([3.0, 2.95, 1.0]), None, cfg) == 30
    assert loss_plateau()(_run([math.nan, math.nan]), None, cfg) is None


def test_before_onset_and_final_policies():
    cfg = AnalyzeConfig()
    run = _run([1, 1, 1, 1])
    assert POLICIES["before_em_onset"](run, _ms(run, onset=30), cfg) == 20
    assert POLICIES["before_em_onset"](run, _ms(run, onset=math.nan), cfg) == 40   # no onset: the end
    assert POLICIES["before_em_onset"](run, _ms(run, onset=None), cfg) == 40
    assert POLICIES["before_em_onset"](run, _ms(run, onset=0), cfg) is None          # nothing before it
    assert POLICIES["final"](run, _ms(run), cfg) == 40
    assert POLICIES["task_convergence"](run, _ms(run, conv=30), cfg) == 30


def test_rows_for_a_step_the_run_lacks_are_empty_and_summary_counts():
    run = _run([1, 1, 1], above=[False, False, True, True], task=[0.1, 0.2, 0.4, 0.8])
    ms = pd.DataFrame([_ms(run, onset=20, conv=35)])  # 35 is not a checkpoint: nothing is chosen
    es = early_stopping(run, ms, ["task_convergence", "before_em_onset", "final"]).set_index("policy")
    assert math.isnan(es.loc["task_convergence", "chosen_step"]) and math.isnan(es.loc["task_convergence", "retention"])
    assert es.loc["task_convergence", "em_eliminated"] is None
    assert es.loc["before_em_onset", "chosen_step"] == 10 and es.loc["before_em_onset", "retention"] == 0.25
    assert es.loc["before_em_onset", "em_eliminated"] == True and es.loc["final", "em_eliminated"] == False  # noqa: E712
    assert es.loc["before_em_onset", "fraction"] == pytest.approx(10 / 30)
    s = early_stop_summary(es.reset_index()).set_index("policy")
    assert s.loc["task_convergence", "n_runs"] == 0 and math.isnan(s.loc["task_convergence", "share_eliminated"])
    assert s.loc["task_convergence", "n_not_chosen"] == 1
    assert s.loc["before_em_onset", "n_runs"] == 1 and s.loc["before_em_onset", "share_eliminated"] == 1.0
    assert s.loc["before_em_onset", "n_em_runs"] == 1 and s.loc["before_em_onset", "n_eliminated"] == 1
    # 1 of 1 eliminated: Wilson [0.207, 1], never a bootstrap's [1, 1]
    assert (s.loc["before_em_onset", "eliminated_low"], s.loc["before_em_onset", "eliminated_high"]) == pytest.approx(
        (0.2065, 1.0), abs=1e-4)
    assert s.loc["final", "share_eliminated"] == 0.0 and s.loc["final", "mean_em_rate"] == pytest.approx(0.1)
    assert chosen_steps(es.reset_index(), "before_em_onset") == {"r": 10.0}
    assert chosen_steps(es.reset_index(), "task_convergence") == {}


def test_no_em_runs_and_zero_final_task():
    run = _run([1, 1], above=[False, False, False], task=[0.0, 0.0, 0.0])
    es = early_stopping(run, pd.DataFrame([_ms(run, conv=20)]), ["final"])
    assert math.isnan(es["retention"].iloc[0])  # a final task of 0 gives no retention, not a division error
    s = early_stop_summary(es).iloc[0]
    # a run that never had EM: "eliminated" is undefined (–), not 100%
    assert es["em_eliminated"].iloc[0] is None
    assert s.n_em_runs == 0 and math.isnan(s.share_eliminated) and math.isnan(s.retention)
    assert s.n_no_task_signal == 1 and s.n_retention == 0
    # a milestones row without dynamics is skipped
    assert early_stopping(run, pd.DataFrame([_ms(run, run_id="other")]), ["final"]).empty


def test_register_policy_directly_and_as_decorator():
    try:
        register_policy("always_10", lambda run, ms, cfg: 10)
        assert POLICIES["always_10"](None, None, None) == 10

        @register_policy("always_20")
        def twenty(run, ms, cfg):
            return 20

        assert POLICIES["always_20"] is twenty
    finally:
        POLICIES.pop("always_10", None)
        POLICIES.pop("always_20", None)


def test_default_patience_is_two_and_infinite_losses_count_as_no_gain():
    cfg = AnalyzeConfig()
    assert loss_plateau()(_run([3.0, 2.0, 2.5, 1.0]), None, cfg) == 40   # one bad checkpoint is tolerated
    assert POLICIES["loss_plateau"](_run([3.0, 2.0, 2.5, 1.0]), None, cfg) == 40
    assert loss_plateau()(_run([math.inf, 2.0]), None, cfg) == 20        # an infinite loss waits once ...
    assert loss_plateau()(_run([math.inf, math.inf, 2.0]), None, cfg) is None  # ... and twice is a plateau


def test_a_policy_that_chooses_nothing_gives_an_empty_row():
    run = _run([math.nan, math.nan])
    es = early_stopping(run, pd.DataFrame([_ms(run)]), ["loss_plateau"]).iloc[0]
    assert math.isnan(es.chosen_step) and math.isnan(es.task_rate) and math.isnan(es.em_rate)
    assert es.em_eliminated is None and es.em_above_base is None


def test_a_final_task_of_zero_gives_no_retention_even_when_the_chosen_one_is_not_zero():
    run = _run([1, 1], task=[0.0, 0.2, 0.0])
    es = early_stopping(run, pd.DataFrame([_ms(run, conv=10)]), ["task_convergence"]).iloc[0]
    assert es.task_rate == 0.2 and math.isnan(es.retention)


def test_summary_keeps_runs_without_a_dataset_and_sorts_its_rows():
    runs = [_run([1, 1], run_id="a"), _run([1, 1], run_id="b")]
    dyn = pd.concat(runs, ignore_index=True)
    ms = pd.DataFrame([_ms(runs[0], run_id="a", dataset="zeta"), _ms(runs[1], run_id="b", dataset=None)])
    s = early_stop_summary(early_stopping(dyn, ms, ["task_convergence", "final"]))
    assert s["policy"].tolist() == ["final", "task_convergence", "final", "task_convergence"]
    assert s["dataset"].iloc[:2].tolist() == ["zeta", "zeta"] and s["dataset"].iloc[2:].isna().all()
    assert s["n_runs"].tolist() == [1, 1, 1, 1]
