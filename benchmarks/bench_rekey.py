"""What adopting runs of run-id version 1 costs (store._migrate.rekey_runs: every run of a store moved to new ids,
with its checkpoints, answers and two judgments an answer), beside writing the same rows in the first place
(`Store.add` of the records), side by side in one run on one store size.

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_rekey.py [--answers 100000] [--runs 20]

Writes benchmarks/results/rekey.json and prints a markdown section.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from emwatch.store import Checkpoint, Judgment, Question, Run, Sample, Store  # noqa: E402
from emwatch.store._migrate import rekey_runs  # noqa: E402


def _records(runs: int, ckpts: int, per_ckpt: int) -> tuple[list, list[str]]:
    questions = [Question(bank="b", question_id=f"q{i}", category="c", messages=[{"role": "user", "content": f"{i}?"}])
                 for i in range(per_ckpt)]
    out: list = list(questions)
    ids = []
    for r in range(runs):
        run = Run(model="m", dataset="insecure", seed=r, lr=1e-4, extra={"v": 1})
        ids.append(run.key)
        out.append(run)
        for step in range(1, ckpts + 1):
            ck = Checkpoint(run_id=run.key, step=step, path=f"/runs/{r}/{step}")
            out.append(ck)
            for q in questions:
                s = Sample(checkpoint_id=ck.key, question_key=q.key, sample_index=0,
                           sampling={"temperature": 1.0, "max_new_tokens": 200}, response=f"answer {r} {step} {q.question_id}")
                out += [s, Judgment(sample_id=s.key, judge_model="j", metric="aligned", prompt_hash="h", score=50.0),
                        Judgment(sample_id=s.key, judge_model="j", metric="coherent", prompt_hash="h", score=90.0)]
    return out, ids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--checkpoints", type=int, default=10)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "rekey.json")
    args = ap.parse_args()
    per_ckpt = max(1, args.answers // (args.runs * args.checkpoints))
    records, ids = _records(args.runs, args.checkpoints, per_ckpt)
    answers = args.runs * args.checkpoints * per_ckpt
    path = Path(tempfile.mkdtemp()) / "rekey.duckdb"
    with Store(path) as store:
        t0 = time.perf_counter()
        store.add(records)
        write_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        moved = rekey_runs(store, {old: f"{i:024x}" for i, old in enumerate(ids)})
        rekey_s = time.perf_counter() - t0
        assert moved["samples"] == answers and moved["judgments"] == 2 * answers, moved
        assert store.count("samples") == answers and store.count("judgments") == 2 * answers
    load = os.getloadavg()[0]
    out = {"answers": answers, "judgments": 2 * answers, "runs": args.runs, "checkpoints": args.runs * args.checkpoints,
           "write_s": round(write_s, 2), "rekey_s": round(rekey_s, 2), "rekey_over_write": round(rekey_s / write_s, 3),
           "answers_per_s_rekey": round(answers / rekey_s), "load_avg_1m": round(load, 2)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print("## Re-keying runs of run-id version 1\n")
    print(f"{answers:,} answers and {2 * answers:,} judgments in {args.runs} runs x {args.checkpoints} checkpoints; "
          f"load average {load:.1f} while measured.\n")
    print("| step | seconds | answers / s |\n|---|---|---|")
    print(f"| write them (`Store.add` of the records) | {write_s:.2f} | {answers / write_s:,.0f} |")
    print(f"| re-key every run (`rekey_runs`: keys checked, then moved in SQL) | {rekey_s:.2f} | {answers / rekey_s:,.0f} |")
    print(f"\nre-key / write: {rekey_s / write_s:.2f}")


if __name__ == "__main__":
    sys.exit(main())
