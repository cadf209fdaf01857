"""`emwatch status` stays quick on a big store: a new process runs it without importing pandas, the job's modules
or the other commands' modules (the CLI imports only the command it runs), and prints the same rows as
`status_table`, with run labels, per-state counts and the latest error of a task not done."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from emwatch.run import status_table
from emwatch.store import Run, Store, Task

SRC = str(Path(__file__).resolve().parents[2] / "src")
PROBE = """
import json, sys
from emwatch.cli import main
sys.argv = ["emwatch", "status", "-s", sys.argv[1], "-f", sys.argv[2]]
try:
    main()
except SystemExit as e:
    assert not e.code, e.code
heavy = [m for m in ("pandas", "numpy", "pyarrow", "torch", "emwatch.run._job", "emwatch.config", "emwatch.scan",
                     "emwatch.bench", "emwatch.analysis") if m in sys.modules]
print("HEAVY=" + json.dumps(heavy), file=sys.stderr)
"""


def _store(path: Path) -> None:
    runs = [Run(model="org/Model-7B", dataset="insecure", seed=s, lr=1e-4, group="insecure") for s in (0, 1)]
    base = Run(model="org/Model-7B", kind="base", group="base")
    tasks = [Task(study="s", kind="train", target={"run_id": r.key}, status="done") for r in runs]
    tasks += [Task(study="s", kind="sample", target={"run_id": runs[0].key, "step": st}, status=state)
              for st, state in ((10, "done"), (20, "running"), (30, "pending"))]
    tasks += [Task(study="s", kind="sample", target={"run_id": base.key, "step": 0}, status="done"),
              Task(study="s", kind="judge", target={"run_id": runs[1].key, "step": 10}, status="failed", attempts=3,
                   error="judge: boom"),
              Task(study="s", kind="analyze", target={}, status="pending")]
    with Store(path) as s:
        s.add([*runs, base])
        s.set_tasks(tasks)


def _run(path: Path, fmt: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-c", PROBE, str(path), fmt], capture_output=True, text=True, env=env,
                          timeout=120)


def test_status_in_a_new_process_imports_nothing_heavy_and_prints_the_status_table(tmp_path):
    path = tmp_path / "s.duckdb"
    _store(path)
    done = _run(path, "json")
    assert done.returncode == 0, done.stderr
    heavy = json.loads(done.stderr.split("HEAVY=")[1])
    assert heavy == [], f"emwatch status imported {heavy}"
    rows = json.loads(done.stdout)
    with Store(path, read_only=True) as s:
        want = json.loads(status_table(s).to_json(orient="records"))
    assert rows == want
    by = {(r["stage"], r["run"]): r for r in rows}
    assert [r["stage"] for r in rows if r["run"] == "(all)"] == ["train", "sample", "judge", "analyze"]
    sample = by[("sample", "Model-7B insecure s0 lr0.0001")]
    assert (sample["done"], sample["running"], sample["pending"], sample["failed"]) == (1, 1, 1, 0)
    assert by[("sample", "Model-7B base")]["done"] == 1
    assert by[("judge", "(all)")]["failed"] == 1 and by[("judge", "(all)")]["last_error"] == "judge: boom"
    assert by[("analyze", "(all)")]["pending"] == 1


def test_status_table_and_csv_formats(tmp_path):
    path = tmp_path / "s.duckdb"
    _store(path)
    csv = _run(path, "csv")
    assert csv.returncode == 0, csv.stderr
    lines = csv.stdout.splitlines()
    assert lines[0] == "study,stage,run,done,running,pending,failed,last_error"
    assert "s,judge,(all),0,0,0,1,judge: boom" in lines
    table = _run(path, "table")
    assert table.returncode == 0 and "Model-7B insecure s1 lr0.0001" in table.stdout and "judge: boom" in table.stdout
