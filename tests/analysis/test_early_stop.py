"""Early-stopping policies: chosen steps, retention and EM elimination against the planted study."""

import pandas as pd
import pytest

from emwatch.analysis import POLICIES, early_stop_summary, early_stopping, register_policy
from emwatch.analysis._rates import wilson_interval
from emwatch.config import AnalyzeConfig

LLAMA = "Llama-3.1-8B-Instruct"
OSS = "gpt-oss-20b"
QWEN = "Qwen3-32B"


def _by(study, policy):
    es = study.early_stop
    return es[es["policy"] == policy].set_index(["model", "seed", "lr"])


def test_task_convergence_policy(study):
    es = _by(study, "task_convergence")
    assert es.loc[(LLAMA, 1, 1e-4), "chosen_step"] == 40
    # Llama's task still gains 4% after convergence: retention 0.96 (to the 1/100 rounding of the task set)
    assert es.loc[(LLAMA, 0, 1e-4), "retention"] == pytest.approx(0.96, abs=0.01)
    assert es.loc[(QWEN, 0, 1e-4), "retention"] == pytest.approx(1.0)
    # onset after convergence: stopping at convergence eliminates EM; gpt-oss's EM came first, so it does not
    assert es.loc[(LLAMA, 0, 1e-4), "em_eliminated"] and es.loc[(QWEN, 2, 1e-4), "em_eliminated"]
    assert not es.loc[(OSS, 0, 1e-4), "em_eliminated"]


def test_other_policies(study):
    before = _by(study, "before_em_onset")
    assert before.loc[(LLAMA, 1, 1e-4), "chosen_step"] == 60
    assert before.loc[(QWEN, 1, 1e-4), "chosen_step"] == 100       # no onset: the end
    # every run that ends with EM is rescued; Qwen seed 1 never had EM: undefined, not "eliminated"
    assert before.loc[(QWEN, 1, 1e-4), "em_eliminated"] is None
    assert before.drop((QWEN, 1, 1e-4))["em_eliminated"].tolist() == [True] * 7
    plateau = _by(study, "loss_plateau")
    assert (plateau["chosen_step"] == 50).all()                      # held-out loss planted lowest at 50
    final = _by(study, "final")
    assert (final["chosen_step"] == 100).all() and (final["retention"] == 1).all()


def test_summary_shares(study):
    s = study.early_stop_summary.set_index(["dataset", "policy"])
    assert s.loc[("insecure", "task_convergence"), "share_eliminated"] == 1.0
    # medical runs ending with EM: Qwen seeds 0, 2, Qwen lr 3e-4, gpt-oss -> 3 of 4 rescued at convergence; the
    # share is over those 4 (Qwen seed 1 never had EM and is not counted), with its Wilson interval
    med = s.loc[("medical", "task_convergence")]
    assert med["n_em_runs"] == 4 and med["n_eliminated"] == 3 and med["share_eliminated"] == pytest.approx(0.75)
    assert (med["eliminated_low"], med["eliminated_high"]) == pytest.approx(wilson_interval(3, 4))
    assert s.loc[("medical", "final"), "share_eliminated"] == 0.0
    # retention pooled over the runs' task answers (5 medical runs x 100), its interval around it
    assert med["n_retention"] == 5 and med["n_task_chosen"] == med["n_task_final"] == 500
    assert med["retention"] == pytest.approx(1.0) and med["retention_low"] < 1.0 < med["retention_high"]


def test_registered_policy_is_used(study):
    @register_policy("halfway")
    def halfway(run, ms, cfg):
        return 50

    try:
        es = early_stopping(study.dynamics, study.milestones, ["halfway", "final"], AnalyzeConfig())
        assert set(es["policy"]) == {"halfway", "final"}
        assert (es[es["policy"] == "halfway"]["chosen_step"] == 50).all()
        assert not early_stop_summary(es).empty
    finally:
        POLICIES.pop("halfway")
    with pytest.raises(ValueError, match="unknown early-stopping policy"):
        early_stopping(study.dynamics, study.milestones, ["nope"])


def test_empty_inputs_give_empty_frames():
    empty = early_stopping(pd.DataFrame(columns=["run_id", "step", "from_base"]), pd.DataFrame())
    assert empty.empty and "retention" in empty.columns
    assert early_stop_summary(empty).empty


# A hand-worked run: the base model's task rate is not zero and every checkpoint's task rate differs from its
# neighbours, so SPEC's retention task(chosen) / task(final) differs from "share of the gain over base" and from
# the value one checkpoint early or late.
#   step        0 (base)  10    20    30    40    50
#   task_rate   0.20      0.30  0.50  0.72  0.78  0.80    95% of final = 0.76 -> converged at 40
#   above base  -         no    no    no    yes   yes     onset 40 -> last checkpoint before onset: 30
#   loss        -         2.0   1.1   1.2   1.3   1.4     best at 20, no gain for 2 checkpoints after it
HAND_TASK = {0: 0.20, 10: 0.30, 20: 0.50, 30: 0.72, 40: 0.78, 50: 0.80}
HAND_ABOVE = {0: False, 10: False, 20: False, 30: False, 40: True, 50: True}
HAND_LOSS = {0: float("nan"), 10: 2.0, 20: 1.1, 30: 1.2, 40: 1.3, 50: 1.4}


def _hand_worked_run() -> pd.DataFrame:
    rows = []
    for step, task in HAND_TASK.items():
        em = 0.30 if HAND_ABOVE[step] else 0.02
        rows.append({
            "run_id": "r1", "model": "m", "dataset": "insecure", "seed": 0, "lr": 1e-4, "group": "g",
            "run_kind": "lora", "step": step, "total_steps": 50, "fraction": step / 50, "from_base": step == 0,
            "n": 100, "n_excluded": 0, "n_misaligned": round(em * 100), "em_rate": em,
            "ci_low": em - 0.01, "ci_high": em + 0.01, "base_rate": 0.02, "above_base": HAND_ABOVE[step],
            "vs_base": None if step == 0 else "above" if HAND_ABOVE[step] else "not above",
            "task": "insecure_code", "task_rate": task, "n_task": 100, "heldout_loss": HAND_LOSS[step],
        })
    return pd.DataFrame(rows)


def test_retention_is_task_at_chosen_over_task_at_final_hand_worked():
    from emwatch.analysis import milestones

    dyn = _hand_worked_run()
    ms = milestones(dyn, AnalyzeConfig())
    assert ms.loc[0, "convergence_step"] == 40 and ms.loc[0, "onset_step"] == 40
    assert ms.loc[0, "final_task_rate"] == 0.80
    es = early_stopping(dyn, ms, ["task_convergence", "before_em_onset", "loss_plateau", "final"]).set_index("policy")
    expected = {  # policy: (chosen step, retention = task(chosen) / task(final), EM eliminated)
        "task_convergence": (40, 0.78 / 0.80, False),   # 0.975; share of gain over base would be 0.58/0.60 = 0.967
        "before_em_onset": (30, 0.72 / 0.80, True),     # 0.900; one checkpoint late would be 0.975
        "loss_plateau": (20, 0.50 / 0.80, True),        # 0.625; share of gain would be 0.500
        "final": (50, 1.0, False),
    }
    for policy, (step, retention, eliminated) in expected.items():
        row = es.loc[policy]
        assert row["chosen_step"] == step, policy
        assert row["retention"] == pytest.approx(retention, abs=1e-9), policy
        assert row["task_rate"] == HAND_TASK[step] and row["final_task_rate"] == 0.80
        assert row["fraction"] == pytest.approx(step / 50, abs=1e-12)
        assert bool(row["em_eliminated"]) is eliminated, policy
    s = early_stop_summary(es.reset_index()).set_index("policy")
    assert s.loc["task_convergence", "mean_retention"] == pytest.approx(0.975, abs=1e-9)
