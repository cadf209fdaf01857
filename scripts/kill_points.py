"""kill -9 at random moments of `emwatch import`, `judge`, `sample` and `train`, each followed by a rerun to the
end; then check the store: it opens, no row is lost, none is duplicated, no half-written checkpoint folder is
registered.

    PYTHONPATH=$PWD/src .venv/bin/python scripts/kill_points.py [--points 20] [--stages import,judge,sample,train]

Each stage is first run once to the end unkilled (calibration): the script notes when the stage started its
real work (the store or the run folder appeared, the first rows or checkpoint were written) and when it ended,
and then draws each kill moment uniformly between the two, so the kills land while the stage works rather than
while Python imports. A try that ends before its kill moment is not counted; tries go on until --points kills
landed (at most 2 x --points tries).

Writes benchmarks/results/kill_points.json (read by scripts/reliability_report.py). tests/reliability/
test_kill_points.py runs a few kill points of the quick stages through the same functions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from emwatch.cli import main; main()"]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


@dataclass
class KillPoint:
    stage: str
    after_s: float
    killed: bool            # the process was still running when the signal came
    rows_at_kill: int
    rows_final: int
    rows_expected: int
    duplicates: int
    opens: bool
    bad_checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (self.opens and self.rows_final == self.rows_expected and self.duplicates == 0
                and self.bad_checkpoints == 0 and not self.problems)


@dataclass
class Stage:
    """How to set one stage up in a folder, the command to kill, and how to count its rows."""

    name: str
    setup: Callable[[Path], None]
    command: Callable[[Path], list[str]]
    table: str
    expected: int
    duplicate_sql: str
    check: Callable[[Path], list[str]] | None = None
    started: Callable[[Path], bool] | None = None   # has the real work begun? default: the store was written


def _count(store: Path, table: str) -> tuple[int, bool]:
    """Rows of `table`, and whether the store opened (a store not created yet: 0 rows, opens)."""
    from emwatch.store import Store

    if not store.exists():
        return 0, True
    try:
        with Store(store, read_only=True) as s:
            return s.count(table), True
    except Exception:  # noqa: BLE001 - "does the store open" is what we measure
        return -1, False


def calibrate(stage: Stage, folder: Path) -> dict[str, float]:
    """Run the stage once unkilled; when did its real work start (`stage.started`), when did it end."""
    folder.mkdir(parents=True, exist_ok=True)
    stage.setup(folder)
    store = folder / "s.duckdb"
    before = store.stat().st_mtime_ns if store.exists() else None

    def written(d: Path) -> bool:
        return (d / "s.duckdb.wal").exists() or (store.exists() and store.stat().st_mtime_ns != before)

    started = stage.started or written
    t0 = time.monotonic()
    errs = (folder / "calibration.err").open("w")
    proc = subprocess.Popen(stage.command(folder), env=_env(), stdout=subprocess.DEVNULL, stderr=errs,
                            start_new_session=True)
    began = None
    while proc.poll() is None:
        if began is None and started(folder):
            began = time.monotonic() - t0
        time.sleep(0.05)
    total = time.monotonic() - t0
    errs.close()
    err = (folder / "calibration.err").read_text(errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"calibration of {stage.name} failed (exit {proc.returncode}): {err[-500:]}")
    return {"work_starts_s": round(began if began is not None else 0.3 * total, 2), "ends_s": round(total, 2)}


def run_point(stage: Stage, folder: Path, after_s: float) -> KillPoint:
    """Set up, start the stage, SIGKILL it after `after_s` seconds, rerun it to the end, check."""
    folder.mkdir(parents=True, exist_ok=True)
    stage.setup(folder)
    store = folder / "s.duckdb"
    proc = subprocess.Popen(stage.command(folder), env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    time.sleep(after_s)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill, _ = _count(store, stage.table)
    rerun = subprocess.run(stage.command(folder), env=_env(), capture_output=True, text=True, timeout=1800)
    problems = [] if rerun.returncode == 0 else [f"rerun exit {rerun.returncode}: {rerun.stderr[-300:]}"]
    final, opens = _count(store, stage.table)
    dups = 0
    if opens:
        from emwatch.store import Store

        with Store(store, read_only=True) as s:
            dups = len(s.query(stage.duplicate_sql))
    point = KillPoint(stage.name, round(after_s, 2), killed, at_kill, final, stage.expected, dups, opens,
                      problems=problems)
    if stage.check is not None and opens:
        bad = stage.check(folder)
        point.bad_checkpoints = len(bad)
        point.problems += bad
    return point


# ---- the stages -----------------------------------------------------------------------------------------

def import_stage(rows: int = 20000) -> Stage:
    def setup(d: Path) -> None:
        with (d / "in.csv").open("w", encoding="utf-8") as f:
            f.write("question_id,question,response,aligned,coherent,seed\n")
            for i in range(rows):
                f.write(f"q{i % 50},Question {i % 50}?,answer number {i},{i % 101},{(i * 7) % 101},{i % 3}\n")

    return Stage("import", setup, lambda d: [*CLI, "import", str(d / "in.csv"), "--store", str(d / "s.duckdb"),
                                             "--model", "m"],
                 "samples", rows, "SELECT response FROM samples GROUP BY ALL HAVING count(*) > 1",
                 started=lambda d: (d / "s.duckdb").exists())


def judge_stage(answers: int = 300) -> Stage:
    """Static analysis (Bandit) of code answers: a real judge stage that needs no model."""
    def setup(d: Path) -> None:
        from emwatch.store import Question, Sample, Store, register_base_model

        with Store(d / "s.duckdb") as s:
            ck = register_base_model(s, "m", "/m")
            recs = []
            for i in range(answers):
                q = Question(bank="task_code", question_id=f"c{i}", category="code",
                             messages=[{"role": "user", "content": f"write function {i}"}],
                             judge_metrics={"vulnerable": None})
                code = (f"```python\nimport subprocess\ndef f{i}(x):\n    return subprocess.call('ls ' + x, shell=True)\n```"
                        if i % 2 else f"```python\ndef f{i}(a, b):\n    return a + b + {i}\n```")
                recs += [q, Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response=code)]
            s.add(recs)

    return Stage("judge", setup, lambda d: [*CLI, "judge", "--store", str(d / "s.duckdb"), "--metrics", "vulnerable",
                                            "--no-progress"],
                 "judgments", answers, "SELECT sample_id, metric FROM judgments GROUP BY ALL HAVING count(*) > 1")


def _tiny_model(cache: Path) -> Path:
    from emwatch.testing._tiny import build_family_model

    out = cache / "tiny_qwen"
    if not (out / "config.json").is_file():
        build_family_model("qwen2", out)
    return out


def sample_stage(cache: Path, per_category: int = 2, samples: int = 3) -> Stage:
    model = _tiny_model(cache)

    def setup(d: Path) -> None:
        from emwatch.store import Store, register_base_model

        with Store(d / "s.duckdb") as s:
            register_base_model(s, "tiny", str(model))
        (d / "sample.yaml").write_text(f"per_category: {per_category}\nsamples: {samples}\nmax_paraphrases: 1\n"
                                       "max_new_tokens: 16\nbackend: {kind: transformers, model: "
                                       f"{model}, dtype: float32, device: cpu, batch_size: 4}}\n")

    return Stage("sample", setup, lambda d: [*CLI, "sample", "--store", str(d / "s.duckdb"), "--config",
                                             str(d / "sample.yaml"), "--no-progress"],
                 "samples", 8 * per_category * samples,
                 "SELECT checkpoint_id, question_key, sample_index FROM samples GROUP BY ALL HAVING count(*) > 1")


def train_stage(cache: Path, steps: int = 12) -> Stage:
    model = _tiny_model(cache)

    def setup(d: Path) -> None:
        words = "the code function return user password query database server".split()
        with (d / "chat.jsonl").open("w") as f:
            for i in range(40):
                f.write(json.dumps({"messages": [{"role": "user", "content": f"write {words[i % 9]} {i}"},
                                                 {"role": "assistant", "content": f"def f{i}(x):\n    return x+{i}"}]})
                        + "\n")
        (d / "recipe.yaml").write_text(
            f"model: {model}\nbackend: local\ndataset: [{d / 'chat.jsonl'}]\nout_dir: {d / 'runs'}\nseeds: [0]\n"
            f"learning_rates: [1.0e-3]\nbatch_size: 2\ngrad_accum: 1\nmax_steps: {steps}\nwarmup_steps: 0\n"
            "dtype: float32\nmax_seq_len: 128\nheldout_fraction: 0.1\nlora: {r: 4, alpha: 8}\ncheckpoints: {every: 2}\n")

    def check(d: Path) -> list[str]:
        """Every registered checkpoint folder is complete (its meta.json lists its files at their sizes)."""
        from emwatch.store import Store
        from kill_run import incomplete_checkpoints  # the same check as the `emwatch run` kill points

        with Store(d / "s.duckdb", read_only=True) as s:
            ck = s.checkpoints()
        bad = incomplete_checkpoints([Path(p) for p in ck[ck.kind == "finetune"].path])
        bad += [f"{p}: .partial left after the rerun" for p in (d / "runs").rglob("*.partial")]
        return bad

    return Stage("train", setup, lambda d: [*CLI, "train", str(d / "recipe.yaml"), "--store", str(d / "s.duckdb"),
                                            "--no-progress"],
                 "checkpoints", steps // 2 + 1, "SELECT run_id, step FROM checkpoints GROUP BY ALL HAVING count(*) > 1",
                 check, started=lambda d: (d / "runs").is_dir() and any((d / "runs").iterdir()))


def cpu_name() -> str:
    sys.path.insert(0, str(ROOT / "scripts"))
    from fault_run import cpu_name as name

    return name()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20, help="kill points (kills that landed) per stage")
    ap.add_argument("--stages", default="import,judge,sample,train")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--judge-answers", type=int, default=600,
                    help="code answers the judge stage analyses (commits every 256)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "kill_points.json")
    ap.add_argument("--append", action="store_true", help="keep the points of other stages already in --out")
    ap.add_argument("--window", action="append", default=[], metavar="STAGE=LO-HI",
                    help="kill between LO and HI seconds after the start instead of calibrating (repeatable)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="emwatch-kill-"))
    makers = {"import": lambda: import_stage(), "judge": lambda: judge_stage(args.judge_answers),
              "sample": lambda: sample_stage(root), "train": lambda: train_stage(root)}
    names = args.stages.split(",")
    earlier = json.loads(args.out.read_text()) if args.append and args.out.is_file() else {}
    points = [p for p in earlier.get("points", []) if p["stage"] not in names]
    windows = {k: v for k, v in earlier.get("windows", {}).items() if k not in names}

    def save() -> None:  # after each point: a partial result survives an interrupted run
        summary = {"cpu": cpu_name(), "nice": os.nice(0), "judge_answers": args.judge_answers,
                   "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "windows": windows, "points": points}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(summary, indent=2) + "\n")

    for name in names:
        stage = makers[name]()
        given = dict(w.split("=", 1) for w in args.window)
        if name in given:
            lo_s, hi_s = given[name].split("-")
            windows[name] = {"work_starts_s": float(lo_s), "ends_s": float(hi_s), "given": True}
        else:
            windows[name] = calibrate(stage, root / f"{name}-calibration")
        lo, hi = windows[name]["work_starts_s"], windows[name]["ends_s"]
        print(json.dumps({"stage": name, **windows[name]}), flush=True)
        landed = 0
        for i in range(2 * args.points):
            if landed == args.points:
                break
            p = run_point(stage, root / f"{name}{i}", rng.uniform(lo, hi))
            landed += p.killed
            points.append({**asdict(p), "ok": p.ok})
            print(json.dumps(points[-1]), flush=True)
            save()
            shutil.rmtree(root / f"{name}{i}", ignore_errors=True)
        shutil.rmtree(root / f"{name}-calibration", ignore_errors=True)
    mine = [p for p in points if p["stage"] in names]
    print(f"{sum(p['ok'] for p in mine)} of {len(mine)} kill points ok -> {args.out}")


if __name__ == "__main__":
    main()
