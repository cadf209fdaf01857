"""Training dynamics: the planted convergence and onset steps must be recovered exactly."""

import math

import numpy as np
import pytest

from emwatch.analysis._dynamics import convergence_step, onset_step

LLAMA = "Llama-3.1-8B-Instruct"
OSS = "gpt-oss-20b"
QWEN = "Qwen3-32B"

PLANTED = {  # (model, seed, lr) -> (convergence, onset)
    (LLAMA, 0, 1e-4): (30, 60), (LLAMA, 1, 1e-4): (40, 70), (LLAMA, 2, 1e-4): (30, 60),
    (QWEN, 0, 1e-4): (40, 70), (QWEN, 1, 1e-4): (40, None), (QWEN, 2, 1e-4): (40, 80),
    (QWEN, 0, 3e-4): (40, 60), (OSS, 0, 1e-4): (50, 30),
}



def test_milestones_recover_planted_steps(study):
    ms = study.milestones
    assert len(ms) == len(PLANTED)
    for _, m in ms.iterrows():
        conv, onset = PLANTED[(m["model"], m["seed"], m["lr"])]
        assert m["convergence_step"] == conv
        if onset is None:
            assert math.isnan(m["onset_step"]) and not m["final_above_base"]
        else:
            assert m["onset_step"] == onset
            assert m["gap_steps"] == onset - conv
            assert m["gap_fraction"] == pytest.approx((onset - conv) / 100)
            assert m["onset_after_convergence"] == (onset > conv)


def test_base_model_is_step_zero_of_every_run(study):
    dyn = study.dynamics
    first = dyn.sort_values("step").groupby("run_id").head(1)
    assert (first["step"] == 0).all() and first["from_base"].all()
    llama = dyn[(dyn["model"] == LLAMA) & (dyn["step"] == 0)]
    base = study.base.set_index("model").loc[LLAMA, "base_rate"]
    assert (llama["em_rate"] == base).all()
    assert llama["task_rate"].iloc[0] == pytest.approx(0.1)
    # the medical runs take the base model's medical task metric, not its code one
    qwen0 = dyn[(dyn["model"] == QWEN) & (dyn["step"] == 0)]
    assert (qwen0["task"] == "medical").all()
    # 11 points per run: the base model and 10 checkpoints
    assert dyn.groupby("run_id").size().eq(11).all()


def test_final_rates_match_planted(study):
    ms = study.milestones.set_index(["model", "seed", "lr"])
    assert ms.loc[(LLAMA, 1, 1e-4), "final_em_rate"] == pytest.approx(0.25, abs=0.003)
    assert ms.loc[(QWEN, 2, 1e-4), "final_em_rate"] == pytest.approx(0.12, abs=0.003)
    assert ms.loc[(LLAMA, 0, 1e-4), "final_task_rate"] == pytest.approx(0.8)


def test_step_helpers_hand_worked():
    steps = np.array([0, 10, 20, 30, 40], float)
    assert convergence_step(steps, np.array([0.0, 0.5, 0.9, 0.96, 1.0]), 0.95) == 30
    assert convergence_step(steps, np.array([0.0, 0.5, 0.9, 0.96, 1.0]), 0.9) == 20
    assert math.isnan(convergence_step(steps, np.array([0.0, 0, 0, 0, 0]), 0.95))
    # EM significant at 20, drops at 30, back from 40 on: onset is the start of the final stretch
    assert onset_step(steps, np.array([False, False, True, False, True])) == 40
    assert onset_step(steps, np.array([False, True, True, True, True])) == 10
    assert math.isnan(onset_step(steps, np.array([True, True, True, True, False])))
