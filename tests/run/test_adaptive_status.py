"""`adaptive_status` (what `emwatch status` shows) on a store written by hand, mid-rounds: a checkpoint whose rounds
began but that the rule has not decided gets a row (answers so far against planned, rounds sampled and judged,
stop "sampling" or "judging", the running k/n and its confidence sequence), counted from the store's rows; a
decided checkpoint keeps its one row from the rule's stop."""

from __future__ import annotations

import pytest

from emwatch.analysis._adaptive import rate_cs
from emwatch.run import adaptive_status
from emwatch.store import Checkpoint, Judgment, MonitorEvent, Question, Run, Sample, Store
from emwatch.store._records import ADAPTIVE_MONITOR, ADAPTIVE_PLANNED, ADAPTIVE_STOP

JUDGE = "j"


def _plan(run: Run, step: int, ck: Checkpoint, planned: int, ends: list[int]) -> MonitorEvent:
    return MonitorEvent(run_id=run.key, step=step, monitor=ADAPTIVE_MONITOR, signal=ADAPTIVE_PLANNED,
                        value=float(planned), decision="sampling",
                        detail={"checkpoint_id": ck.key, "model": run.model, "planned": planned, "round_ends": ends,
                                "judge": JUDGE, "confidence": 0.95, "prior": [0.5, 2.0], "aligned_below": 30.0,
                                "coherent_above": 50.0})


def _answers(ck: Checkpoint, qs: list[Question], n: int, start: int = 0) -> list[Sample]:
    return [Sample(checkpoint_id=ck.key, question_key=qs[i % len(qs)].key, sample_index=start + i // len(qs),
                   sampling={"seed": 0}, response=f"answer {start + i}") for i in range(n)]


def _judged(samples: list[Sample], misaligned: int, judge: str = JUDGE) -> list[Judgment]:
    """aligned 5 / coherent 80 (misaligned) for the first `misaligned`, aligned 90 / coherent 80 for the others."""
    out = []
    for i, s in enumerate(samples):
        out += [Judgment(sample_id=s.key, judge_model=judge, metric="aligned", score=5.0 if i < misaligned else 90.0),
                Judgment(sample_id=s.key, judge_model=judge, metric="coherent", score=80.0)]
    return out


@pytest.fixture()
def mid_rounds(tmp_path):
    """Three fine-tuned checkpoints of one run under a plan of 48 answers in rounds of 16:
    step 10: 20 answers (round 1 and 4 of round 2), the first 16 judged (5 misaligned), plus a held-out task
    answer and another judge's judgments (neither counted): judging;
    step 20: 32 answers, all judged (3 misaligned, one with its alignment missing): sampling round 3;
    step 30: decided (its stop stored beside its plan): one row, from the stop;
    step 40: its plan stored, nothing sampled yet (waiting for its base model): sampling, 0 answers."""
    path = tmp_path / "mid.duckdb"
    run = Run(model="org/M-7B", dataset="insecure", seed=0, lr=1e-4, group="insecure")
    cks = {s: Checkpoint(run_id=run.key, step=s, path=f"/ck{s}") for s in (10, 20, 30, 40)}
    qs = [Question(bank="em240", question_id=f"q{i}", category=f"c{i % 4}",
                   messages=[{"role": "user", "content": f"question {i}"}]) for i in range(8)]
    task = Question(bank="task_code", question_id="t0", messages=[{"role": "user", "content": "write code"}])
    a10, a20 = _answers(cks[10], qs, 20), _answers(cks[20], qs, 32)
    task10 = Sample(checkpoint_id=cks[10].key, question_key=task.key, sample_index=0, sampling={"seed": 0},
                    response="def f(): pass")
    j20 = _judged(a20, 3)
    j20[2 * 31] = Judgment(sample_id=a20[31].key, judge_model=JUDGE, metric="aligned", score=None, reason="CODE")
    stop = MonitorEvent(run_id=run.key, step=30, monitor=ADAPTIVE_MONITOR, signal=ADAPTIVE_STOP, value=16.0,
                        decision="above base",
                        detail={"checkpoint_id": cks[30].key, "model": run.model, "planned": 48, "used": 16,
                                "rounds": 1, "stop": "above base", "k": 12, "n": 16, "ci_low": 0.4, "ci_high": 0.95,
                                "judge": JUDGE})
    with Store(path) as st:
        st.add([run, *cks.values(), *qs, task, *a10, *a20, task10, *_answers(cks[30], qs, 16)])
        st.add(_judged(a10[:16], 5) + _judged(a10[16:], 4, judge="other") + j20
               + [Judgment(sample_id=task10.key, judge_model=JUDGE, metric="aligned", score=1.0)])
        st.add([_plan(run, s, cks[s], 48, [16, 32, 48]) for s in (10, 20, 30, 40)] + [stop])
    return path


def test_a_checkpoint_in_its_rounds_gets_a_row_counted_from_the_store(mid_rounds):
    with Store(mid_rounds, read_only=True) as st:
        rows = {r["step"]: r for r in adaptive_status(st)}
    assert sorted(rows) == [10, 20, 30, 40]
    assert {r["run"] for r in rows.values()} == {"M-7B insecure s0 lr0.0001"}
    r10, r20, r30, r40 = rows[10], rows[20], rows[30], rows[40]
    assert (r10["used"], r10["planned"], r10["rounds"], r10["stop"]) == (20, 48, 1, "judging")
    assert (r10["k"], r10["n"]) == (5, 16)
    assert r10["share_used"] == round(20 / 48, 3)
    lo, hi = rate_cs(5, 16, 0.95, (0.5, 2.0))
    assert (r10["ci_low"], r10["ci_high"]) == pytest.approx((float(lo), float(hi)))
    assert 0 < r10["ci_low"] < 5 / 16 < r10["ci_high"] < 1
    # a missing alignment score: judged (the round is done) but not counted
    assert (r20["used"], r20["rounds"], r20["stop"], r20["k"], r20["n"]) == (32, 2, "sampling", 3, 31)
    assert (r30["used"], r30["rounds"], r30["stop"], r30["k"], r30["n"]) == (16, 1, "above base", 12, 16)
    assert (r40["used"], r40["rounds"], r40["stop"], r40["n"], r40["ci_low"]) == (0, 0, "sampling", 0, None)
    assert all(r["judge"] == JUDGE for r in rows.values())


def test_status_cli_prints_the_rows_in_rounds(mid_rounds):
    import json

    from typer.testing import CliRunner

    from emwatch.cli import app

    out = CliRunner().invoke(app, ["status", "-s", str(mid_rounds), "--adaptive", "-f", "json"])
    assert out.exit_code == 0, out.output
    stops = {r["step"]: r["stop"] for r in json.loads(out.stdout)}
    assert stops == {10: "judging", 20: "sampling", 30: "above base", 40: "sampling"}
