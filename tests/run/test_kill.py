"""`emwatch run` killed with SIGKILL at random moments of a tiny study (training, sampling, judging,
committing), then rerun to the end: the store opens, holds every planned answer and judgment exactly once,
and every task is done."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from tiny_study import write_study  # noqa: E402

RUN = [sys.executable, "-c", "from emwatch.cli import main; main()"]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.abspath("src"), env.get("PYTHONPATH", "")])
    return env


def expected_rows(study_path):
    """Answers and judgments the study plans, computed from its parts (not from what the store holds)."""
    from emwatch.run import load_study, plan_runs
    from emwatch.run._plan import prompts_per_checkpoint

    loaded = load_study(study_path)
    runs = plan_runs(loaded)
    ckpts = sum(len(r.checkpoint_steps()) for r in runs) + 1  # + the base model
    bench, task = prompts_per_checkpoint(loaded)
    return ckpts, ckpts * (bench + task), ckpts * (2 * bench + task)  # aligned + coherent; static for code


@pytest.mark.slow
def test_kill_9_at_random_moments_then_resume(tmp_path, tiny_qwen2):
    study = write_study(tiny_qwen2, tmp_path)
    cmd = RUN + ["run", str(study), "--no-progress"]
    rng = random.Random(int(os.environ.get("EMWATCH_KILL_SEED", "9")))
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        moment = rng.uniform(1.0, 14.0)
        try:
            proc.wait(timeout=moment)  # finished before the moment came: nothing to kill
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)  # the driver only: its training child must die with it
            proc.wait()
            kills += 1
        time.sleep(0.3)
    done = subprocess.run(cmd + ["-f", "json"], env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert kills >= 1

    from emwatch.store import Store

    n_ckpts, n_answers, n_judgments = expected_rows(study)
    with Store(tmp_path / "out" / "emwatch.duckdb", read_only=True) as store:
        assert store.count("checkpoints") == n_ckpts
        assert store.query("SELECT step FROM checkpoints ORDER BY step").step.tolist() == [0, 2, 4]
        # no lost rows: every planned answer and judgment is there ...
        assert store.count("samples") == n_answers
        assert store.count("judgments") == n_judgments
        # ... and none twice, not even under another key
        dup = store.query("""SELECT count(*) - count(DISTINCT (checkpoint_id, question_key, sample_index)) AS d
                             FROM samples""").d[0]
        dup_j = store.query("SELECT count(*) - count(DISTINCT (sample_id, metric, judge_model)) AS d FROM judgments").d[0]
        assert dup == 0 and dup_j == 0
        tasks = store.tasks("tiny")
    assert set(tasks.status) == {"done"}
    assert set(tasks.kind) == {"train", "sample", "judge", "analyze"}
    # no orphaned trainer survived a kill
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "out" / "logs")], capture_output=True, text=True).stdout
    assert not left.strip()

    status = subprocess.run(RUN + ["status", "--store", str(tmp_path / "out" / "emwatch.duckdb"), "-f", "json"],
                            env=_env(), capture_output=True, text=True)
    rows = json.loads(status.stdout)
    overall = {r["stage"]: r for r in rows if r["run"] == "(all)"}
    assert overall["sample"]["done"] == n_ckpts and overall["judge"]["done"] == n_ckpts
    assert all(r["pending"] == 0 and r["failed"] == 0 and r["running"] == 0 for r in rows)
