"""`emwatch status` while a job holds the store: a new process answers at once from the job's snapshot (written by
the job's own commit path, run/_commit.py) with the counts the store holds, and says so; a snapshot older than
the store's last commit, or from a process that is not running, is never shown as current."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from emwatch.run._status import read_snapshot, snapshot_path, status_rows, write_snapshot
from emwatch.store import Run, Store, Task

SRC = str(Path(__file__).resolve().parents[2] / "src")
CLI = [sys.executable, "-c", "from emwatch.cli import main; main()"]

# A writer process: the job's commit path (StoreHolder: store(), _set, _flush and the snapshot after a commit)
# without the job graph, holding the store until it reads a line; with "stale", one more task committed after
# the snapshot, past the commit path (as a commit the snapshot missed would be).
WRITER = """
import sys
from emwatch.run._commit import StoreHolder
from emwatch.store import Run, Task

class Writer(StoreHolder):
    def __init__(self, path):
        self._init_commit(path, hold_s=600)
        self.states, self.live = {}, {}

path, mode = sys.argv[1], sys.argv[2]
runs = [Run(model="org/Model-7B", dataset="insecure", seed=s, lr=1e-4, group="insecure") for s in (0, 1)]
w = Writer(path)
if mode == "taken":  # a job that has taken the store, inside its first (long) transaction, nothing committed yet
    with w.store() as st, st.transaction():
        st.set_tasks([Task(study="s", kind="judge", target={"run_id": "r", "step": 5})])
        print("READY", w.snapshots, flush=True)
        sys.stdin.readline()
    w._release(now=True)
    sys.exit(0)
with w.store() as st:
    st.add(runs)
    for i, state in enumerate(("done", "done", "running", "pending", "pending")):
        w._set(st, Task(study="s", kind="sample", target={"run_id": runs[i % 2].key, "step": 10 * i}), status=state,
               defer=True)
    w._set(st, Task(study="s", kind="train", target={"run_id": runs[0].key}), status="failed", error="boom")
if mode == "stale":  # still held: a commit the snapshot does not have
    w._store.set_tasks([Task(study="s", kind="judge", target={"run_id": runs[0].key, "step": 0})])
print("READY", w.snapshots, flush=True)
sys.stdin.readline()
w._release(now=True)
"""


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", ""), **extra}


def _writer(path: Path, mode: str) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", WRITER, str(path), mode], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    line = p.stdout.readline()
    assert line.startswith("READY"), p.stderr.read()
    return p


def _status(path: Path, *args: str, wait: str = "30") -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    done = subprocess.run([*CLI, "status", "-s", str(path), *args], capture_output=True, text=True,
                          env=_env(EMWATCH_STORE_WAIT=wait), timeout=120)
    return time.perf_counter() - t0, done


def _release(p: subprocess.Popen) -> None:
    p.stdin.write("\n")
    p.stdin.flush()
    assert p.wait(timeout=60) == 0, p.stderr.read()


def test_status_answers_from_the_running_jobs_snapshot_with_the_stores_counts(tmp_path):
    path = tmp_path / "s.duckdb"
    w = _writer(path, "current")
    try:
        secs, done = _status(path, "-f", "json")  # the writer holds the store all along: no wait of 30 s
        _, by_stage = _status(path, "-f", "json", "--stages-only", "--study", "s")
    finally:
        _release(w)
    assert done.returncode == 0, done.stderr
    assert secs < 15, f"status took {secs:.1f} s while the job held the store"
    note = done.stderr
    assert "written by the running job (pid" in note and f"pid {w.pid})" in note and "as of " in note
    rows = json.loads(done.stdout)
    with Store(path, read_only=True) as s:  # the writer is gone: the store itself, read directly
        assert rows == json.loads(json.dumps(status_rows(s), default=str))
    sample = next(r for r in rows if r["stage"] == "sample" and r["run"] == "(all)")
    assert (sample["done"], sample["running"], sample["pending"], sample["failed"]) == (2, 1, 2, 0)
    train = next(r for r in rows if r["stage"] == "train" and r["run"] == "(all)")
    assert (train["failed"], train["last_error"]) == (1, "boom")
    assert [r["run"] for r in json.loads(by_stage.stdout)] == ["(all)", "(all)"]
    # read again with no writer: from the store, no note
    again = _status(path, "-f", "json")[1]
    assert again.returncode == 0 and json.loads(again.stdout) == rows and "running job" not in again.stderr


def test_a_snapshot_older_than_the_stores_last_commit_is_not_shown(tmp_path):
    path = tmp_path / "s.duckdb"
    w = _writer(path, "stale")
    try:
        snap, why = read_snapshot(path)
        assert snap is None and "older than the store's last commit" in why
        secs, done = _status(path, "-f", "json", wait="1")
    finally:
        _release(w)
    assert done.returncode != 0 and done.stdout == ""
    assert "older than the store's last commit" in done.stderr and "in use by another process" in done.stderr
    # released: the job rewrote its snapshot as of the closed store, and status reads the store (7 tasks)
    after = _status(path, "-f", "json")[1]
    assert sum(r["pending"] for r in json.loads(after.stdout) if r["run"] == "(all)") == 3


def test_a_snapshot_from_a_process_that_is_not_running_is_not_shown(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as s:
        s.add([Run(model="m", dataset="d", seed=0, lr=1e-4)])
        s.set_tasks([Task(study="s", kind="train", target={}, status="running")])
        rows = status_rows(s)
    write_snapshot(path, rows, [])
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    snap = json.loads(snapshot_path(path).read_text())
    snap["pid"] = int(dead.stdout)  # the job that wrote it has exited (killed)
    snapshot_path(path).write_text(json.dumps(snap))
    con = duckdb.connect(str(path))  # another process holds the store
    try:
        assert "not running" in read_snapshot(path)[1]
        done = _status(path, "-f", "json", wait="1")[1]
    finally:
        con.close()
    assert done.returncode != 0 and done.stdout == "" and "which is not running" in done.stderr


def test_a_job_that_has_only_taken_the_store_serves_status_already(tmp_path):
    """The job writes a snapshot as it takes the store: a first long transaction does not leave status waiting,
    and status shows what is committed (not the transaction's task)."""
    path = tmp_path / "s.duckdb"
    run = Run(model="m", dataset="d", seed=0, lr=1e-4)
    with Store(path) as s:   # written by an earlier job, which left no snapshot
        s.add([run])
        s.set_tasks([Task(study="s", kind="train", target={"run_id": run.key}, status="done"),
                     Task(study="s", kind="sample", target={"run_id": run.key, "step": 5}, status="pending")])
    assert not snapshot_path(path).exists()
    w = _writer(path, "taken")
    try:
        secs, done = _status(path, "-f", "json", "--stages-only")
    finally:
        _release(w)
    assert done.returncode == 0 and "written by the running job" in done.stderr, done.stderr
    assert [(r["stage"], r["done"], r["pending"]) for r in json.loads(done.stdout)] == [("train", 1, 0),
                                                                                        ("sample", 0, 1)]
    assert secs < 15
