"""kill -9 at random moments of `emwatch import`, `judge`, `sample` and `train`, each followed by a rerun to the
end; then check the store: it opens, no row is lost, none is duplicated, no half-written checkpoint folder is
registered.

    PYTHONPATH=$PWD/src .venv/bin/python scripts/kill_points.py [--points 20] [--stages import,judge,sample,train]

Writes benchmarks/results/kill_points.json (read by scripts/reliability_report.py). tests/reliability/
test_kill_points.py runs a few kill points of the quick stages through the same functions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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
                 "samples", rows, "SELECT response FROM samples GROUP BY ALL HAVING count(*) > 1")


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
        from emwatch.train._runs import checkpoint_complete

        bad = []
        with Store(d / "s.duckdb", read_only=True) as s:
            for row in s.checkpoints().itertuples():
                if row.kind != "finetune":
                    continue
                folder = Path(row.path)
                try:
                    meta = json.loads((folder / "meta.json").read_text())
                except (OSError, ValueError):
                    bad.append(f"{folder}: registered without a readable meta.json")
                    continue
                if not checkpoint_complete(folder, meta):
                    bad.append(f"{folder}: registered but incomplete")
        bad += [f"{p}: .partial left after the rerun" for p in (d / "runs").rglob("*.partial")]
        return bad

    return Stage("train", setup, lambda d: [*CLI, "train", str(d / "recipe.yaml"), "--store", str(d / "s.duckdb"),
                                            "--no-progress"],
                 "checkpoints", steps // 2 + 1, "SELECT run_id, step FROM checkpoints GROUP BY ALL HAVING count(*) > 1",
                 check)


def cpu_name() -> str:
    sys.path.insert(0, str(ROOT / "scripts"))
    from fault_run import cpu_name as name

    return name()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20, help="kill points per stage")
    ap.add_argument("--stages", default="import,judge,sample,train")
    ap.add_argument("--max-after", type=float, default=12.0, help="kill within this many seconds of the start")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "kill_points.json")
    ap.add_argument("--append", action="store_true", help="add to the points already in --out")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="emwatch-kill-"))
    makers = {"import": lambda: import_stage(), "judge": lambda: judge_stage(),
              "sample": lambda: sample_stage(root), "train": lambda: train_stage(root)}
    points: list[KillPoint] = []
    for name in args.stages.split(","):
        stage = makers[name]()
        for i in range(args.points):
            p = run_point(stage, root / f"{name}{i}", rng.uniform(0.5, args.max_after))
            points.append(p)
            print(json.dumps({**asdict(p), "ok": p.ok}), flush=True)
    earlier = json.loads(args.out.read_text())["points"] if args.append and args.out.is_file() else []
    summary = {"cpu": cpu_name(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "points": earlier + [{**asdict(p), "ok": p.ok} for p in points]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{sum(p.ok for p in points)} of {len(points)} kill points ok -> {args.out}")


if __name__ == "__main__":
    main()
