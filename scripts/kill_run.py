"""kill -9 `emwatch run` at N random moments, rerun it to the end, and count duplicates and lost rows.

    python scripts/kill_run.py --tiny --kills 20 --out /tmp/kill_tiny [--seed 0] [--json benchmarks/results/kill_run.json]
    python scripts/kill_run.py studies/demo.yaml --kills 10 --out /tmp/kill_demo [--max-wait 600]

--tiny writes a small study into the out folder (a tiny random Qwen2 model trained 8 steps with checkpoints every
2 steps, three benchmark questions and two held-out coding prompts sampled and judged at each checkpoint, the
tiny model as its own judge: a few minutes on 2 cores) and first runs it once unkilled to learn how long it
takes; the kill moments are then drawn from [1 s, that time].

The kills come in rounds. A round starts the study in a fresh folder and SIGKILLs `emwatch run` (the driver
only; its training child must die with it) at a random moment, starts it again (it resumes) and kills it again,
until a try finishes before its moment; then it runs once more to the end and checks the store against the
plan: every planned checkpoint, answer and judgment present (lost rows), none stored twice under any key
(duplicates), every registered checkpoint folder complete, every task done, the store opens. Rounds go on until
--kills kills landed. Prints one JSON object (and writes it to --json). Name the CPU beside the timing (the
script records /proc/cpuinfo's model name and flags of note); on a shared machine the moments are rough.
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

ROOT = Path(__file__).resolve().parents[1]
RUN = [sys.executable, "-c", "from emwatch.cli import main; main()"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def cpu() -> str:
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    name = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("model name")), "?")
    flags = next((ln.split(":", 1)[1].split() for ln in info.splitlines() if ln.startswith("flags")), [])
    notes = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return f"{name}, {os.cpu_count()} cores, flags: {' '.join(notes) or 'none of note'}"


def write_tiny_study(folder: Path, model: Path) -> Path:
    """The study of tests/run/tiny_study.py, trained 8 steps instead of 4 so a kill has more moments to land in."""
    import yaml

    sys.path.insert(0, str(ROOT / "tests" / "run"))
    from tiny_study import study_dict

    folder.mkdir(parents=True, exist_ok=True)
    study = study_dict(model, folder, name="tiny-kill")
    study["models"][0]["train"]["max_steps"] = 8
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    return path


def one_round(study: Path, out: Path, rng: random.Random, max_wait: float, kills_left: int) -> dict:
    """Kill and restart `emwatch run` until a try outlives its moment (or no kills are left); finish; check."""
    cmd = RUN + ["run", str(study), "--out", str(out), "--no-progress"]
    moments: list[float] = []
    while len(moments) < kills_left:
        moment = rng.uniform(1.0, max_wait)
        proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout=moment)
            break  # finished before the moment came: this round's kills are over
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            moments.append(round(moment, 1))
            print(json.dumps({"killed_at_s": moments[-1], "folder": str(out)}), file=sys.stderr, flush=True)
    t = time.monotonic()
    final = subprocess.run(cmd + ["-f", "json"], env=_env(), capture_output=True, text=True)
    result = {"kill_moments_s": moments, "final_run_exit": final.returncode,
              "final_run_s": round(time.monotonic() - t, 1)}
    if final.returncode != 0:
        result["final_run_error"] = final.stderr[-500:]
    try:
        result.update(check(str(study), out))
        result["store_opens"] = True
    except Exception as err:  # noqa: BLE001 - "does the store open" is what we measure
        result.update(store_opens=False, error=f"{type(err).__name__}: {err}"[:500], lost=-1, duplicates=-1)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("study", nargs="?", help="the study file (or --tiny)")
    ap.add_argument("--tiny", action="store_true", help="write and use a tiny study in the out folder")
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--out", required=True, help="working folder: each round's study output goes under it")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-wait", type=float, default=None,
                    help="latest kill moment, seconds after a start (default: --tiny: the measured study time; "
                         "else 600)")
    ap.add_argument("--json", type=Path, default=None, help="also write the result here")
    ns = ap.parse_args()
    if not ns.tiny and not ns.study:
        ap.error("give a study file or --tiny")
    work = Path(ns.out)
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(ns.seed)
    t0 = time.time()
    report: dict = {"cpu": cpu(), "nice": os.nice(0), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    if ns.tiny:
        from emwatch.testing import build_tiny_model

        model = work / "model"
        if not (model / "config.json").is_file():
            build_tiny_model("qwen2", model)
        calibration = work / "calibration"
        study = write_tiny_study(calibration, model)
        t = time.monotonic()
        done = subprocess.run(RUN + ["run", str(study), "--out", str(calibration / "out"), "--no-progress"],
                              env=_env(), capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stderr[-2000:], file=sys.stderr)
            return 1
        report.update(study="tiny (written by --tiny)", unkilled_run_s=round(time.monotonic() - t, 1),
                      unkilled_check=check(str(study), calibration / "out"))
        max_wait = ns.max_wait or report["unkilled_run_s"]
    else:
        report["study"] = ns.study
        max_wait = ns.max_wait or 600.0
    report["max_wait_s"] = round(max_wait, 1)
    rounds: list[dict] = []

    def summarise() -> None:
        report.update(
            kills=sum(len(r["kill_moments_s"]) for r in rounds), rounds=len(rounds),
            lost=sum(max(r["lost"], 0) for r in rounds), duplicates=sum(max(r["duplicates"], 0) for r in rounds),
            bad_checkpoints=sum(r.get("bad_checkpoints", 0) for r in rounds),
            tasks_not_done=sum(r.get("tasks_not_done", 0) for r in rounds),
            store_opens=all(r["store_opens"] for r in rounds),
            final_runs_ok=all(r["final_run_exit"] == 0 for r in rounds),
            total_s=round(time.time() - t0, 1), round_results=rounds)
        report["ok"] = (report["store_opens"] and report["final_runs_ok"] and report["lost"] == 0
                        and report["duplicates"] == 0 and report["bad_checkpoints"] == 0
                        and report["tasks_not_done"] == 0 and all(r["lost"] >= 0 for r in rounds))
        if ns.json:  # after each round: a partial result survives an interrupted run
            ns.json.parent.mkdir(parents=True, exist_ok=True)
            ns.json.write_text(json.dumps(report, indent=2) + "\n")

    while sum(len(r["kill_moments_s"]) for r in rounds) < ns.kills:
        folder = work / f"round{len(rounds)}"
        study = write_tiny_study(folder, work / "model") if ns.tiny else Path(ns.study)
        left = ns.kills - sum(len(r["kill_moments_s"]) for r in rounds)
        rounds.append(one_round(study, folder / "out", rng, max_wait, left))
        print(json.dumps(rounds[-1]), file=sys.stderr, flush=True)
        summarise()
    summarise()
    print(json.dumps(report, indent=2))
    return 0 if report["ok"] else 1


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
        folders = [Path(p) for kind, p in store.checkpoints()[["kind", "path"]].itertuples(index=False)
                   if kind == "finetune"]
    lost = sum(max(0, want[t] - have[t]) for t in want)
    extra = sum(max(0, have[t] - want[t]) for t in want)
    return {"planned": want, "stored": have, "lost": lost, "duplicates": dup + extra,
            "bad_checkpoints": len(incomplete_checkpoints(folders)), "tasks_not_done": int((tasks.status != "done").sum())}


def incomplete_checkpoints(folders: list[Path]) -> list[str]:
    """Registered checkpoint folders that are not whole (meta.json lists every file at its size)."""
    from emwatch.train._runs import checkpoint_complete

    bad = []
    for folder in folders:
        try:
            meta = json.loads((folder / "meta.json").read_text())
        except (OSError, ValueError):
            bad.append(f"{folder}: registered without a readable meta.json")
            continue
        if not checkpoint_complete(folder, meta):
            bad.append(f"{folder}: registered but incomplete")
    return bad


if __name__ == "__main__":
    sys.exit(main())
