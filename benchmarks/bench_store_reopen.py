"""What opening the store per commit costs: commits of 32 judgments through `Store.add` (the file opened,
written in one transaction and closed each time) against the same commits on a connection held open
(`store.con` pinned), side by side in one run, alternating.

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/bench_store_reopen.py [--commits 40]

Writes benchmarks/results/store_reopen.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from emwatch.store import Judgment, Question, Sample, Store, register_base_model  # noqa: E402


def _store(path: Path, n: int) -> tuple[Store, list[str]]:
    store = Store(path)
    ck = register_base_model(store, "m", "/m")
    recs, sids = [], []
    for i in range(n):
        q = Question(bank="b", question_id=f"q{i}", category="c", messages=[{"role": "user", "content": f"{i}?"}])
        smp = Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response=f"a{i}")
        recs += [q, smp]
        sids.append(smp.key)
    store.add(recs)
    return store, sids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=40)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "store_reopen.json")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    n = args.commits * 32
    reopen, sids = _store(tmp / "reopen.duckdb", n)
    pinned, _ = _store(tmp / "pinned.duckdb", n)
    pinned.con  # noqa: B018 - hold the connection open: the old behaviour
    times = {"reopen": [], "pinned": []}
    for c in range(args.commits):
        chunk = sids[c * 32:(c + 1) * 32]
        for name, store in (("reopen", reopen), ("pinned", pinned)) if c % 2 else (("pinned", pinned), ("reopen", reopen)):
            rows = [Judgment(sample_id=s, judge_model="j", metric="aligned", prompt_hash="h", score=50.0) for s in chunk]
            t0 = time.perf_counter()
            store.add(rows)
            times[name].append(time.perf_counter() - t0)
    from fault_run import cpu_name

    out = {"cpu": cpu_name(), "commits": args.commits, "rows_per_commit": 32,
           "median_ms": {k: round(statistics.median(v) * 1000, 1) for k, v in times.items()},
           "opens": {"reopen": reopen.opens, "pinned": pinned.opens}}
    out["extra_ms_per_commit"] = round(out["median_ms"]["reopen"] - out["median_ms"]["pinned"], 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
