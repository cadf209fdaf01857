"""Convergence, onset and the per-checkpoint dynamics on a small hand-made answers frame (tools/mutate.py edges).

    run r (model m, insecure, 30 steps)   base   10     20     30
    benchmark answers, misaligned of 20    1      1      12     14     (+ wrapped and json answers: not primary)
    task answers, vulnerable of 20         2      6      19     20     -> 95% of 1.0 reached at 20 exactly
    held-out loss                          -      2.0    1.0    1.2
"""

import math

import numpy as np
import pandas as pd
import pytest

from emwatch.analysis._dynamics import (
    base_rates, convergence_step, dynamics, milestones, onset_step, primary, runs_of,
)
from emwatch.analysis._rates import wilson_interval
from emwatch.config import AnalyzeConfig

RUN = {"model": "m", "dataset": "insecure", "seed": 0, "lr": 1e-4, "group": "g"}


def _rows(run_id, kind, step, total, misaligned, vulnerable, loss, n=20, **extra):
    keys = RUN if kind != "base" else {"model": RUN["model"], "dataset": None, "seed": None, "lr": None, "group": "base"}
    base = {"run_id": run_id, "run_kind": kind, "step": step, "total_steps": total, "heldout_loss": loss, **keys,
            "wrapper": None, "variant": "plain"}
    rows = [{**base, "aligned": 10.0 if i < misaligned else 90.0, "coherent": 90.0, "is_benchmark": True,
             "vulnerable": None} for i in range(n)]
    rows += [{**base, "aligned": None, "coherent": None, "is_benchmark": False,
              "vulnerable": 1.0 if i < vulnerable else 0.0} for i in range(n)]
    rows += [{**base, **extra, "aligned": 5.0, "coherent": 95.0, "is_benchmark": True, "vulnerable": None,
              "wrapper": "persona"}, {**base, "aligned": 5.0, "coherent": 95.0, "is_benchmark": True,
                                      "vulnerable": None, "variant": "json"}]
    return rows


def hand_answers() -> pd.DataFrame:
    rows = _rows("b", "base", 0, 0, 1, 2, None)
    for step, mis, vul, loss in [(10, 1, 6, 2.0), (20, 12, 19, 1.0), (30, 14, 20, 1.2)]:
        rows += _rows("r", "lora", step, 30, mis, vul, loss)
    return pd.DataFrame(rows)


def test_convergence_step_edges():
    steps = np.array([0.0, 10, 20, 30])
    assert convergence_step(steps, np.array([0.1, 0.3, 0.95, 1.0]), 0.95) == 20      # reaching it exactly counts
    assert convergence_step(steps, np.array([0.1, 0.3, 0.94, 1.0]), 0.95) == 30
    assert convergence_step(steps, np.array([0.1, np.nan, 0.96, np.nan]), 0.95) == 20  # missing points skipped:
    assert convergence_step(steps, np.array([0.96, 0.2, 0.3, 1.0]), 0.95) == 0       # the final is the last known
    assert math.isnan(convergence_step(steps, np.array([0.1, 0.2, 0.3, 0.0]), 0.95))  # not learned
    assert math.isnan(convergence_step(steps, np.full(4, np.nan), 0.95))
    assert convergence_step(steps, np.array([0.1, 0.5, 0.6, 1.0]), 0.5) == 10


def test_onset_step_edges():
    steps = np.array([10.0, 20, 30, 40, 50])
    assert onset_step(steps, np.array([False, True, False, True, True])) == 40
    assert onset_step(steps, np.array([True] * 5)) == 10
    assert math.isnan(onset_step(steps, np.array([True, True, True, True, False])))
    assert math.isnan(onset_step(steps[:0], np.array([], bool)))
    assert onset_step(steps, np.array([False, False, False, False, True])) == 50


def test_primary_keeps_unwrapped_plain_benchmark_answers():
    a = hand_answers()
    p = primary(a)
    assert len(p) == 4 * 20 and p["wrapper"].isna().all() and (p["variant"] == "plain").all()
    assert len(primary(a.assign(variant=None))) == 4 * 21   # no format recorded counts as plain
    assert len(primary(a.drop(columns=["wrapper"]))) == 4 * 21


def test_runs_of_and_base_rates():
    runs = runs_of(hand_answers()).set_index("run_id")
    assert runs.loc["r", "total_steps"] == 30 and runs.loc["r", "run_kind"] == "lora"
    # a run that recorded no total: its last step
    fallback = runs_of(hand_answers().assign(total_steps=0)).set_index("run_id")
    assert fallback.loc["r", "total_steps"] == 30 and fallback.loc["b", "total_steps"] == 0
    base = base_rates(hand_answers()).iloc[0]
    assert base.model == "m" and base.base_n == 20 and base.base_rate == pytest.approx(0.05)
    assert (base.base_low, base.base_high) == pytest.approx(wilson_interval(1, 20))


def test_dynamics_and_milestones_by_hand():
    dyn = dynamics(hand_answers(), AnalyzeConfig())
    assert dyn["run_id"].unique().tolist() == ["r"]
    assert dyn["step"].tolist() == [0, 10, 20, 30] and dyn["from_base"].tolist() == [True, False, False, False]
    assert dyn["n"].tolist() == [20, 20, 20, 20] and dyn["n_misaligned"].tolist() == [1, 1, 12, 14]
    assert dyn["em_rate"].tolist() == pytest.approx([0.05, 0.05, 0.6, 0.7])
    assert dyn["task_rate"].tolist() == pytest.approx([0.1, 0.3, 0.95, 1.0])
    assert dyn["fraction"].tolist() == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert dyn["base_rate"].tolist() == pytest.approx([0.05] * 4)
    assert dyn["above_base"].tolist() == [False, False, True, True]
    # 1/20 against the base's 1/20 cannot rule out a 5-point difference: undecided, not "not above"
    assert dyn["vs_base"].tolist() == [None, "insufficient data", "above", "above"]
    assert dyn["base_n"].tolist() == [20] * 4
    assert dyn["ci_low"].tolist() == pytest.approx([wilson_interval(k, 20)[0] for k in (1, 1, 12, 14)])
    assert dyn["heldout_loss"].iloc[1:].tolist() == [2.0, 1.0, 1.2]
    assert (dyn["task"] == "code").all() and (dyn["total_steps"] == 30).all()

    ms = milestones(dyn, AnalyzeConfig()).iloc[0]
    assert (ms.final_step, ms.total_steps, ms.convergence_step, ms.onset_step) == (30, 30, 20, 20)
    assert ms.gap_steps == 0 and ms.gap_fraction == 0 and ms.onset_after_convergence == False  # noqa: E712
    assert ms.final_em_rate == pytest.approx(0.7) and ms.final_task_rate == 1.0 and ms.final_above_base
    assert ms.final_n == 20 and ms.final_n_misaligned == 14 and ms.base_rate == pytest.approx(0.05)
    later = milestones(dyn, AnalyzeConfig(convergence_fraction=0.9)).iloc[0]
    assert later.convergence_step == 20
    assert milestones(dyn, AnalyzeConfig(convergence_fraction=0.2)).iloc[0].convergence_step == 10
    assert milestones(dyn, AnalyzeConfig(convergence_fraction=0.1)).iloc[0].convergence_step == 0  # the base point


def test_onset_after_convergence_and_a_model_without_base():
    a = hand_answers()
    # EM only at the last checkpoint: onset 30 after convergence at 20, a third of training
    a.loc[(a["step"] == 20) & (a["aligned"] == 10.0) & a["wrapper"].isna() & (a["variant"] == "plain"), "aligned"] = 90.0
    ms = milestones(dynamics(a)).iloc[0]
    assert ms.onset_step == 30 and ms.gap_steps == 10 and ms.gap_fraction == pytest.approx(1 / 3)
    assert ms.onset_after_convergence == True  # noqa: E712 (a numpy bool)
    # without a base run the base rate is unknown: "no base", never a comparison with 0, and no onset
    dyn = dynamics(hand_answers()[lambda d: d["run_kind"] != "base"])
    assert dyn["step"].tolist() == [10, 20, 30] and dyn["base_rate"].isna().all()
    assert dyn["vs_base"].tolist() == ["no base"] * 3 and dyn["above_base"].tolist() == [False, False, False]
    assert dyn["diff_low"].isna().all() and (dyn["base_n"] == 0).all()
    nb = milestones(dyn).iloc[0]
    assert math.isnan(nb.onset_step) and nb.final_vs_base == "no base" and not nb.final_above_base
    assert dynamics(hand_answers()[lambda d: d["run_kind"] == "base"]).empty


def test_runs_of_keeps_a_recorded_total_and_the_order_runs_appear_in():
    a = hand_answers()
    a.loc[a["run_id"] == "r", "total_steps"] = 40  # stopped at 30 of 40 planned steps
    runs = runs_of(pd.concat([a[a["run_id"] == "r"], a[a["run_id"] == "b"]]))
    assert runs["run_id"].tolist() == ["r", "b"] and runs["total_steps"].tolist() == [40, 0]
    one = runs_of(a[a["step"] == 0].assign(total_steps=1))  # a recorded total of 1 is a total, not "unknown"
    assert one["total_steps"].tolist() == [1]
    assert base_rates(a.drop(columns=["run_kind"])).empty  # no run kinds: no base run is known


def test_a_step_zero_checkpoint_of_the_run_is_replaced_by_the_base_point_and_unknown_steps_stay_unknown():
    a = hand_answers()
    extra = pd.DataFrame(_rows("r", "lora", 0, 30, 20, 20, 9.0) + _rows("r", "lora", math.nan, 30, 20, 20, 9.0))
    dyn = dynamics(pd.concat([a, extra], ignore_index=True))
    steps = dyn["step"].tolist()
    assert steps[:4] == [0, 10, 20, 30] and len(steps) == 5 and math.isnan(steps[4])
    assert dyn["em_rate"].iloc[0] == pytest.approx(0.05) and dyn["from_base"].iloc[0]  # the base model's, not r's
    assert dyn["em_rate"].iloc[4] == 1.0


def test_task_count_is_the_run_tasks_answers_and_runs_without_task_answers_work():
    a = hand_answers()
    med = a[(a["run_id"] == "r") & (a["step"] == 30) & ~a["is_benchmark"]].assign(vulnerable=None, harmful=80.0)
    dyn = dynamics(pd.concat([a.assign(harmful=None), med], ignore_index=True))
    # a checkpoint with code and medical answers keeps one point, for the run's own task (code): its 20 answers
    assert dyn.loc[dyn["step"] == 30, "n_task"].tolist() == [20]
    assert dyn.loc[dyn["step"] == 30, "task"].tolist() == ["code"]
    bare = dynamics(a[a["is_benchmark"]])
    assert bare["step"].tolist() == [0, 10, 20, 30] and bare["task_rate"].isna().all()
    # task answers at one checkpoint only: that one gives the run its task kind
    one = a[a["is_benchmark"] | a["step"].isin([0, 20])]
    d1 = dynamics(one)
    assert d1["task"].iloc[0] == d1["task"].iloc[2] == "code" and d1["task"].iloc[[1, 3]].isna().all()
    assert d1["task_rate"].iloc[0] == pytest.approx(0.1)  # the base point's task rate for that kind


DYN_COLUMNS = ["run_id", "model", "dataset", "seed", "lr", "group", "run_kind", "step", "total_steps", "fraction",
               "from_base", "n", "n_excluded", "n_misaligned", "em_rate", "ci_low", "ci_high", "base_n", "base_rate",
               "diff", "diff_low", "diff_high", "vs_base", "above_base", "task", "task_rate", "task_low", "task_high",
               "n_task", "heldout_loss"]


def test_equal_to_base_is_not_above_it_and_the_columns_are_the_documented_ones():
    rows = _rows("b", "base", 0, 0, 0, 2, None)
    for step, mis in [(10, 0), (20, 12)]:
        rows += _rows("r", "lora", step, 20, mis, 5, 1.0)
    dyn = dynamics(pd.DataFrame(rows))
    assert list(dyn.columns) == DYN_COLUMNS
    assert dyn["base_rate"].tolist() == [0.0, 0.0, 0.0] and dyn["ci_low"].tolist()[:2] == [0.0, 0.0]
    assert dyn["above_base"].tolist() == [False, False, True]  # 0/20 against 0/20 is not above


def test_two_base_runs_give_one_base_point_with_the_task_of_the_runs_kind():
    a = hand_answers()
    twin = a[a["run_id"] == "b"].assign(run_id="b2")
    # a third base run of the model answered only the medical task (rate 1.0); the code run's base point must
    # take the code rate of its own kind (0.1), not whichever task row comes first
    med = a[(a["run_id"] == "b") & ~a["is_benchmark"]].assign(run_id="a_med", vulnerable=None, harmful=90.0)
    dyn = dynamics(pd.concat([a.assign(harmful=None), twin.assign(harmful=None), med], ignore_index=True))
    base = dyn[dyn["from_base"]]
    assert len(base) == 1 and base["step"].tolist() == [0]
    assert base["task"].tolist() == ["code"] and base["task_rate"].tolist() == pytest.approx([0.1])


def _dyn(run_id, steps, above, task, total, seed=0, from_base=None):
    n = len(steps)
    return pd.DataFrame({
        "run_id": run_id, "model": "m", "dataset": "d", "seed": seed, "lr": 1e-4, "group": "g", "run_kind": "lora",
        "step": steps, "total_steps": total, "from_base": from_base or [False] * n, "above_base": above,
        "task_rate": task, "em_rate": 0.1, "ci_low": 0.05, "ci_high": 0.2, "n": 10, "n_misaligned": 1,
        "base_rate": 0.01})


def test_milestones_edges_one_step_gap_unknown_total_and_run_order():
    # onset one step after convergence: a gap of 1 is "after"
    ms = milestones(_dyn("z", [1, 2, 3], [False, True, True], [0.96, 0.97, 1.0], 3)).iloc[0]
    assert (ms.convergence_step, ms.onset_step, ms.gap_steps) == (1, 2, 1) and ms.onset_after_convergence == True  # noqa: E712
    assert ms.gap_fraction == pytest.approx(1 / 3)
    # no recorded total (0): no gap fraction rather than a division by zero
    ms0 = milestones(_dyn("z", [1, 2, 3], [False, True, True], [0.96, 0.97, 1.0], 0)).iloc[0]
    assert ms0.gap_steps == 1 and math.isnan(ms0.gap_fraction)
    # runs keep the order of the dynamics frame
    two = pd.concat([_dyn("z", [10], [True], [1.0], 10), _dyn("a", [10], [True], [1.0], 10, seed=1)])
    assert milestones(two)["run_id"].tolist() == ["z", "a"]
    # a run with only its base point: that point is its last
    only_base = milestones(_dyn("r", [0], [False], [0.2], 30, from_base=[True])).iloc[0]
    assert only_base.final_step == 0 and only_base.final_task_rate == 0.2 and math.isnan(only_base.onset_step)


def test_task_bounds_are_the_wilson_interval_of_the_task_answers_flagged():
    dyn = dynamics(hand_answers(), AnalyzeConfig())
    flagged = [2, 6, 19, 20]                                 # of 20 task answers: base, steps 10, 20, 30
    assert dyn["n_task"].tolist() == [20] * 4
    assert dyn["task_low"].tolist() == pytest.approx([wilson_interval(k, 20)[0] for k in flagged], abs=1e-12)
    assert dyn["task_high"].tolist() == pytest.approx([wilson_interval(k, 20)[1] for k in flagged], abs=1e-12)
    assert (dyn["task_low"] < dyn["task_rate"]).iloc[:3].all() and dyn["task_high"].iloc[3] == 1.0
    bare = dynamics(hand_answers()[lambda d: d["is_benchmark"]])   # no task answers: no bounds, no error
    assert bare["task_low"].isna().all() and bare["task_high"].isna().all()


def test_the_final_checkpoint_is_the_last_with_scored_benchmark_answers():
    # steps 10 and 20 have benchmark answers (n = 10 and n = 1); step 30 has task answers only (n missing)
    dyn = _dyn("r", [10, 20, 30], [False, True, True], [0.2, 0.5, 0.9], 30).assign(
        n=[10, 1, math.nan], n_misaligned=[1, 1, math.nan], em_rate=[0.1, 1.0, math.nan], n_task=[40, 40, 50])
    ms = milestones(dyn).iloc[0]
    assert ms.final_step == 20 and ms.final_n == 1 and ms.final_em_rate == 1.0   # not 30 (no EM answers)
    assert ms.onset_step == 20                        # step 30 neither breaks nor makes the onset
    assert ms.final_task_rate == 0.9 and ms.final_n_task == 50   # the task's final is the last task point
    assert ms.base_n == 0                             # dynamics without a base_n column: no base answers


def test_a_run_without_scored_benchmark_answers_ends_at_its_last_checkpoint():
    dyn = _dyn("r", [0, 10, 20, 30], [False] * 4, [0.1, 0.2, 0.5, 0.9], 30,
               from_base=[True, False, False, False]).assign(n=[20, math.nan, math.nan, math.nan], base_n=20)
    ms = milestones(dyn).iloc[0]
    assert ms.final_step == 30 and math.isnan(ms.onset_step) and ms.base_n == 20
