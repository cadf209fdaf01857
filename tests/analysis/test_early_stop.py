"""Early-stopping policies: chosen steps, retention and EM elimination against the planted study."""

import pandas as pd
import pytest

from emwatch.analysis import POLICIES, early_stop_summary, early_stopping, register_policy
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
    assert before["em_eliminated"].all()
    plateau = _by(study, "loss_plateau")
    assert (plateau["chosen_step"] == 50).all()                      # held-out loss planted lowest at 50
    final = _by(study, "final")
    assert (final["chosen_step"] == 100).all() and (final["retention"] == 1).all()


def test_summary_shares(study):
    s = study.early_stop_summary.set_index(["dataset", "policy"])
    assert s.loc[("insecure", "task_convergence"), "share_eliminated_em_runs"] == 1.0
    # medical runs ending with EM: Qwen seeds 0, 2, Qwen lr 3e-4, gpt-oss -> 3 of 4 rescued at convergence
    assert s.loc[("medical", "task_convergence"), "n_em_runs"] == 4
    assert s.loc[("medical", "task_convergence"), "share_eliminated_em_runs"] == pytest.approx(0.75)
    assert s.loc[("medical", "final"), "share_eliminated_em_runs"] == 0.0


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
