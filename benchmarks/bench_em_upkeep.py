"""What keeping em_scores (schema 4) and em_counts (schema 5) costs a writer, on a big store: a job's commit of 1,024
new aligned/coherent judgments (512 answers) with the tables kept (the answers appended to em_pending) against the
same commit with the upkeep switched off, alternated on one connection; then one recomputation of 20,000 answers
pending (what a commit past 2% of the table, or a writer letting go of the file, runs: their em_scores rows, then,
from schema 5, the em_counts rows of their checkpoints), and the em_counts part alone. Works on a copy of STORE (a
grown store, benchmarks/_grow_store.py); the copy is deleted at the end. Runs with the code of the schema the
store has once opened (schema 4's code on a schema-4 store measures the before).

    .venv/bin/python benchmarks/bench_em_upkeep.py STORE.duckdb [--commits 6]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from _common import machine_line
from emwatch.store import Judgment, Store
from emwatch.store import _counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--commits", type=int, default=6)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="emwatch-em-upkeep-"))
    path = tmp / "copy.duckdb"
    shutil.copyfile(args.store, path)
    try:
        run(path, args.commits)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(path: Path, commits: int) -> None:
    print(f"## bench_em_upkeep.py\n\n{machine_line()}\n")
    s = Store(path)
    con = s.con   # one connection: no flush on letting go between the commits measured
    n_ans = s.count("samples")
    ids = [r[0] for r in con.execute("SELECT sample_id FROM em_scores USING SAMPLE 40000 ROWS (reservoir, 1)")
           .fetchall()]
    keep = _counts.keep_em_scores
    times = {"kept": [], "off": []}
    for k in range(commits):
        mode = "kept" if k % 2 == 0 else "off"
        batch = ids[k * 512:(k + 1) * 512]
        recs = [Judgment(sample_id=i, judge_model=f"bench-{k}", metric=m, prompt_hash="p", score=50.0)
                for i in batch for m in ("aligned", "coherent")]
        _counts.keep_em_scores = keep if mode == "kept" else (lambda con, rows: None)
        t, c = time.perf_counter(), time.process_time()
        s.write_batch(recs)
        times[mode].append((time.perf_counter() - t, time.process_time() - c))
        _counts.keep_em_scores = keep
    print(f"{n_ans:,} answers; {os.getloadavg()[0]:.1f} load average (1 min) after the commits\n")
    print("| commit of 1,024 judgments (512 answers) | wall s, each | CPU s, each |\n|---|---|---|")
    for mode, v in times.items():
        name = "em_scores kept (answers pending)" if mode == "kept" else "upkeep switched off (schema 3's write)"
        print(f"| {name} | {', '.join(f'{w:.3f}' for w, _ in v)} | {', '.join(f'{c:.3f}' for _, c in v)} |")
    con.execute("DELETE FROM em_pending")
    con.execute("INSERT INTO em_pending SELECT unnest(?::VARCHAR[])", [ids[5000:25000]])
    con.execute("BEGIN")
    t, c = time.perf_counter(), time.process_time()
    _counts.flush_em_scores(con)
    print(f"\nRecomputing 20,000 answers pending: {time.perf_counter() - t:.2f} s wall, "
          f"{time.process_time() - c:.2f} s CPU (load average {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    con.execute("ROLLBACK")
    counts = getattr(_counts, "flush_em_counts", None)
    if counts is not None:   # schema 5: the em_counts part alone, for the checkpoints of those answers
        con.execute("BEGIN")
        con.execute("INSERT INTO em_counts_pending SELECT DISTINCT checkpoint_id FROM em_scores "
                    "WHERE sample_id IN (SELECT unnest(?::VARCHAR[]))", [ids[5000:25000]])
        n_ck = con.execute("SELECT count(DISTINCT checkpoint_id) FROM em_counts_pending").fetchall()[0][0]
        t, c = time.perf_counter(), time.process_time()
        counts(con)
        print(f"\nof which em_counts, {n_ck:,} checkpoints recomputed: {time.perf_counter() - t:.2f} s wall, "
              f"{time.process_time() - c:.2f} s CPU")
        con.execute("ROLLBACK")
        # a stage's commit of one checkpoint's answers, then letting go: that checkpoint's rows recomputed
        con.execute("BEGIN")
        con.execute("INSERT INTO em_counts_pending SELECT checkpoint_id FROM em_scores LIMIT 1")
        t, c = time.perf_counter(), time.process_time()
        counts(con)
        print(f"\nem_counts of one checkpoint recomputed (a commit of one checkpoint's answers, then letting go): "
              f"{time.perf_counter() - t:.3f} s wall, {time.process_time() - c:.3f} s CPU")
        con.execute("ROLLBACK")
    con.execute("DELETE FROM em_pending")   # the copy is thrown away: no recomputation on letting go
    s.close()


if __name__ == "__main__":
    main()
