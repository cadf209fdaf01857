"""kill -9 `emwatch run STUDY.yaml` at N random moments, rerun it to the end, and count duplicates and lost rows.

    python scripts/kill_run.py studies/demo.yaml --kills 10 --out /tmp/kill_demo [--seed 0] [--max-wait 600]

Each try starts `emwatch run` in a fresh process and SIGKILLs it (the driver only; its training child dies with
it) after a random delay drawn from [1 s, --max-wait]; a try that finishes first is not counted as a kill. Then
it runs once more to the end and checks the store against the plan: every planned checkpoint, answer and
judgment present (lost rows), none stored twice under any key (duplicates), every task done, the store opens.
Prints one JSON object. Measure on a quiet machine: the moments are random in wall time. Name the CPU
beside the timing (the script prints /proc/cpuinfo's model name and flags of note).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

RUN = [sys.executable, "-c", "from emwatch.cli import main; main()"]


def cpu() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    name = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "?")
    flags = next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), [])
    notes = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{name}, {os.cpu_count()} cores, flags: {' '.join(notes) or 'none of note'}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("study")
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--out", required=True, help="output folder of the study (and its store)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-wait", type=float, default=600.0, help="latest kill moment, in seconds after a start")
    ns = ap.parse_args()
    out = Path(ns.out)
    cmd = RUN + ["run", ns.study, "--out", str(out), "--no-progress"]
    rng = random.Random(ns.seed)
    moments, finished_early = [], 0
    t0 = time.time()
    for _ in range(ns.kills):
        moment = rng.uniform(1.0, ns.max_wait)
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=moment)
            finished_early += 1
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            moments.append(round(moment, 1))
    t_final = time.time()
    final = subprocess.run(cmd + ["-f", "json"], capture_output=True, text=True)
    report = {"cpu": cpu(), "study": ns.study, "kills": len(moments), "kill_moments_s": moments,
              "finished_before_kill": finished_early, "final_run_exit": final.returncode,
              "final_run_s": round(time.time() - t_final, 1), "total_s": round(time.time() - t0, 1)}
    report.update(check(ns.study, out))
    print(json.dumps(report, indent=2))
    return 0 if final.returncode == 0 and report["lost"] == 0 and report["duplicates"] == 0 else 1


def check(study: str, out: Path) -> dict:
    """Compare the store with the plan: lost rows, duplicated rows, tasks not done."""
    from emwatch.run import load_study, plan_runs
    from emwatch.run._plan import prompts_per_checkpoint
    from emwatch.store import Store

    loaded = load_study(study, out_dir=str(out))
    runs = plan_runs(loaded)
    n_ckpts = (sum(len(r.checkpoint_steps()) for r in runs) + len({r.plan.model_name for r in runs})
               + len(loaded.study.evaluate))
    bench, task = prompts_per_checkpoint(loaded)
    n_llm = len([m for m in loaded.study.judge.metrics]) if loaded.study.judge.backend is not None else 0
    per_task = 1 if (loaded.study.sample.task == "code" and loaded.study.judge.static) or loaded.study.sample.task == "medical" else 0
    want = {"checkpoints": n_ckpts, "samples": n_ckpts * (bench + task), "judgments": n_ckpts * (bench * n_llm + task * per_task)}
    with Store(loaded.store_path, read_only=True) as store:
        have = {t: store.count(t) for t in want}
        dup = int(store.query("SELECT count(*) - count(DISTINCT (checkpoint_id, question_key, sample_index)) AS d FROM samples").d[0])
        dup += int(store.query("SELECT count(*) - count(DISTINCT (sample_id, judge_model, metric)) AS d FROM judgments").d[0])
        dup += int(store.query("SELECT count(*) - count(DISTINCT (run_id, step)) AS d FROM checkpoints").d[0])
        tasks = store.tasks(loaded.study.name)
    lost = sum(max(0, want[t] - have[t]) for t in want)
    extra = sum(max(0, have[t] - want[t]) for t in want)
    return {"planned": want, "stored": have, "lost": lost, "duplicates": dup + extra,
            "tasks_not_done": int((tasks.status != "done").sum())}


if __name__ == "__main__":
    sys.exit(main())
