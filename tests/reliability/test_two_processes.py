"""Two processes on one store: readers (`emwatch analyze`, `emwatch report`) work while another process runs a
judge stage that commits chunk after chunk; a process that finds the store held past its wait gets one clear
message, no traceback, and the file stays whole."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from emwatch.store import Question, Sample, Store, register_base_model
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from emwatch.cli import main; main()"]
WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from emwatch.backends import BackendBase, NumberDistribution
    from emwatch.config import JudgeConfig
    from emwatch.judge import judge
    from emwatch.store import Store

    class SlowJudge(BackendBase):
        name = "slow-judge"
        def score_numbers(self, requests):
            # a judge that takes its time (many small commits) until the test has run its readers
            time.sleep(0 if Path(sys.argv[2]).exists() else 0.5)
            return [NumberDistribution(probs={"70": 1.0}) for _ in requests]

    with Store(sys.argv[1]) as store:
        s = judge(store, JudgeConfig(metrics=["aligned"], static=False), SlowJudge(), progress=False, chunk=2)
    print("judged", s.new)
""")


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", **extra}


@pytest.fixture
def study(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        simulate_study(store, SimStudy(models=[SimModel("m", base_rate=0.0)],
                                       runs=[SimRun("m", 0, 0.2, 10, total_steps=20, every=10)],
                                       questions_per_category=1, samples=2))
        ck = register_base_model(store, "other", "/other")
        records = []
        for i in range(400):
            q = Question(bank="extra", question_id=f"x{i}", category="c",
                         messages=[{"role": "user", "content": f"x {i}?"}], judge_metrics={"aligned": None})
            records += [q, Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response=f"r{i}")]
        store.add(records)
    return path


@pytest.mark.slow
def test_readers_work_while_a_judge_stage_writes(study, tmp_path):
    with Store(study, read_only=True) as s:
        before = s.count("judgments")
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(study), str(stop)], env=_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        assert writer.poll() is None, writer.communicate()
        readers = [subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   # the writer's judge scores answers sim-judge scored too: one judge per number, named
                   for cmd in ([*CLI, "analyze", "--store", str(study), "--format", "json", "--judge", "sim-judge"],
                               [*CLI, "report", "--store", str(study), "--out", str(tmp_path / "rep"),
                                "--judge", "sim-judge"])]
        (analyze_out, analyze_err), (_, report_err) = (r.communicate(timeout=300) for r in readers)
        still_writing = writer.poll() is None
        stop.touch()
        out, err = writer.communicate(timeout=300)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert readers[0].returncode == 0, analyze_err
    assert readers[1].returncode == 0, report_err
    assert (tmp_path / "rep" / "report.html").is_file()
    assert still_writing, "the writer finished before the readers: the test proved nothing; slow the judge down"
    assert writer.returncode == 0, err
    assert "judged {'aligned': " in out
    with Store(study, read_only=True) as s:
        after = s.count("judgments")
        assert after - before >= 400                   # the extra answers, and the study's own ones for this judge
        assert len(s.query("SELECT sample_id, metric, judge_model FROM judgments GROUP BY ALL HAVING count(*) > 1")) == 0
    again = subprocess.run([sys.executable, "-c", WRITER, str(study), str(stop)], env=_env(), capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0 and "judged {}" in again.stdout   # nothing was left unjudged
    with Store(study, read_only=True) as s:
        assert s.count("judgments") == after


def test_a_store_held_past_the_wait_gives_one_clear_message(study):
    holder = Store(study)
    holder.con.execute("SELECT 1")           # holds the file (and its lock) until closed
    try:
        t0 = time.monotonic()
        res = subprocess.run([*CLI, "analyze", "--store", str(study)], env=_env(EMWATCH_STORE_WAIT="1"),
                             capture_output=True, text=True, timeout=120)
        waited = time.monotonic() - t0
    finally:
        holder.close()
    assert res.returncode == 1
    assert res.stderr.startswith("error: ") and "in use by another process" in res.stderr and "EMWATCH_STORE_WAIT" in res.stderr
    assert "Traceback" not in res.stderr and waited >= 1.0
    # once released, the same command works and the file is whole
    ok = subprocess.run([*CLI, "analyze", "--store", str(study)], env=_env(), capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
