"""A judge that cannot be reached is not a judge that answered: the stage stops with a clear message, stores
nothing for the failed requests, and the next run judges them (also rows an earlier release stored as
"judge error: ...")."""

from __future__ import annotations

import socket

import pytest
from typer.testing import CliRunner

from emwatch.backends import BackendError, NumberDistribution, Runner, ScoreRequest
from emwatch.backends._retry import CircuitBreaker, CircuitOpen
from emwatch.cli import app
from emwatch.config import JudgeConfig
from emwatch.judge import JudgeStopped, judge
from emwatch.store import Judgment, Question, Sample, Store, register_base_model
from fakes import ScriptedBackend

runner = CliRunner()
JUDGE = NumberDistribution(probs={"90": 1.0})


def _store(path, n=12):
    store = Store(path)
    ck = register_base_model(store, "m", "/m")
    records = []
    for i in range(n):
        q = Question(bank="b", question_id=f"q{i}", category="c", messages=[{"role": "user", "content": f"q {i}?"}],
                     judge_metrics={"aligned": None})
        records += [q, Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response=f"a{i}")]
    store.add(records)
    return store


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]          # closed again on exit: nothing listens there


def test_breaker_opens_after_a_run_of_failures_and_a_success_resets_it():
    b = CircuitBreaker(3)
    b.failure(BackendError("x"))
    b.failure(BackendError("x"))
    b.success()
    b.failure(BackendError("x"))
    b.failure(BackendError("x"))
    with pytest.raises(CircuitOpen, match="3 requests in a row"):
        b.failure(BackendError("down"))
    with pytest.raises(CircuitOpen):
        b.check()                          # stays open


def test_runner_stops_a_dead_backend_after_the_threshold():
    class Dead(ScriptedBackend):
        def score_numbers(self, requests):
            self.calls = getattr(self, "calls", 0) + 1
            raise BackendError("401 unauthorized")

    dead = Dead()
    r = Runner(dead, batch_size=1, breaker_after=4, max_tries=1)
    with pytest.raises(CircuitOpen, match="401"):
        r.score_numbers([ScoreRequest(messages=({"role": "user", "content": "x"},))] * 50, errors="record")
    assert dead.calls == 4                 # not 50


def test_unreachable_judge_exits_nonzero_stores_nothing_and_a_rerun_judges(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    _store(path).close()
    cfg = tmp_path / "judge.yaml"
    cfg.write_text(f"metrics: [aligned]\nstatic: false\nbackend:\n  kind: openai\n  model: gpt-x\n"
                   f"  base_url: http://127.0.0.1:{_closed_port()}/v1\n  max_tries: 2\n  max_concurrency: 2\n")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-not-a-key")
    res = runner.invoke(app, ["judge", "--store", str(path), "--config", str(cfg), "--no-progress"])
    assert res.exit_code == 1, res.output
    assert "judging stopped" in res.output and "left pending" in res.output and "connection failed" in res.output
    assert "Traceback" not in res.output and "sk-canary" not in res.output
    with Store(path) as s:
        assert s.count("judgments") == 0
        # the server is back: the same answers are judged, once each
        summary = judge(s, JudgeConfig(metrics=["aligned"], static=False), ScriptedBackend(judge=lambda p: JUDGE),
                        judge_name="gpt-x", progress=False)
        assert summary.new == {"aligned": 12} and s.count("judgments") == 12


def test_judge_stopped_keeps_what_was_judged_before(tmp_path):
    store = _store(tmp_path / "s.duckdb", n=40)
    calls = {"n": 0}

    def flaky(prompt):
        calls["n"] += 1
        if calls["n"] > 20:
            raise BackendError("503 service unavailable")
        return JUDGE

    class Judge(ScriptedBackend):
        def score_numbers(self, requests):
            return [flaky(r) for r in requests]

    with pytest.raises(JudgeStopped, match="16 judgments were stored; 24 are left pending"):
        judge(store, JudgeConfig(metrics=["aligned"], static=False), Judge(), progress=False, chunk=8,
              breaker_after=3)
    assert store.count("judgments") == 16   # two whole chunks before the failure; the chunk in flight is pending
    summary = judge(store, JudgeConfig(metrics=["aligned"], static=False), ScriptedBackend(judge=lambda p: JUDGE),
                    progress=False)
    assert summary.new == {"aligned": 24} and store.count("judgments") == 40
    store.close()


def test_old_judge_error_rows_are_retried_and_replaced(tmp_path):
    store = _store(tmp_path / "s.duckdb", n=3)
    sids = list(store.judge_inputs().sample_id)
    # what an earlier release stored for an unreachable judge
    store.add([Judgment(sample_id=sid, judge_model="scripted", metric="aligned", prompt_hash=_hash(),
                        reason="judge error: gave up after 6 tries; last error: connection failed") for sid in sids])
    assert store.count("judgments") == 3
    summary = judge(store, JudgeConfig(metrics=["aligned"], static=False), ScriptedBackend(judge=lambda p: JUDGE),
                    progress=False)
    assert summary.new == {"aligned": 3} and summary.skipped == 0
    rows = store.query("SELECT score, reason FROM judgments")
    assert len(rows) == 3 and set(rows.score) == {90.0} and rows.reason.isna().all()
    # and a genuine missing score (what the judge said) is kept, not retried
    again = judge(store, JudgeConfig(metrics=["aligned"], static=False), ScriptedBackend(judge=lambda p: JUDGE),
                  progress=False)
    assert again.new == {} and again.skipped == 3
    store.close()


def _hash():
    from emwatch.metrics import get_metric, prompt_hash
    return prompt_hash(get_metric("aligned").prompt)


def test_unreachable_generation_server_stores_no_answers(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        register_base_model(s, "gpt-x", "gpt-x")
    cfg = tmp_path / "sample.yaml"
    cfg.write_text(f"per_category: 1\nsamples: 1\nmax_paraphrases: 1\nbackend:\n  kind: openai\n  model: gpt-x\n"
                   f"  base_url: http://127.0.0.1:{_closed_port()}/v1\n  max_tries: 2\n")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-not-a-key")
    res = runner.invoke(app, ["sample", "--store", str(path), "--config", str(cfg), "--no-progress"])
    assert res.exit_code == 1 and "connection failed" in res.output and "Traceback" not in res.output
    with Store(path) as s:
        assert s.count("samples") == 0       # no empty answer stands in for one that was never generated
