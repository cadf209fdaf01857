"""bench_scale.py's reading side, measured side by side on the job's store (or one grown by _grow_store.py):

- `emwatch status -f json` as a new process (imports included) while a simulated job adds runs to the store:
  per poll, wall and CPU and whether it read the store or the job's snapshot (the job held the store);
- EM rates + Wilson intervals by model x step: from the store (DuckDB counts, `Store.rate_counts`) against pandas
  reading the same answers from a CSV file (written before the clock starts), both the same counts and intervals;
- the plain-rates table of `emwatch analyze --by model,step` in process, two ways: counted in SQL
  (`analysis_table(store)`, what the command runs) and from the answers frame (`load_answers` + pandas, what it
  ran before), with their agreement; then the command itself as a new process;
- `emwatch report` as a new process: wall time, and the process's CPU seconds.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from emwatch.analysis import analysis_table, load_answers, wilson_interval
from emwatch.config import AnalyzeConfig
from emwatch.run import Job, LocalExecutor
from emwatch.store import Store, choose_judges
from emwatch.store._schema import SCHEMA_VERSION

CLI = [sys.executable, "-c", "from emwatch.cli import main; main()"]


def load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def new_process(args: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall s, CPU s of the child, result) of one emwatch command in a new Python process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(CLI + args, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


def status_while_writing(loaded, runs, store_path: Path, polls: int = 6) -> tuple[list[tuple], Job]:
    """`emwatch status -f json` (a new process each time) while a simulated job adds `runs` to the store: per poll
    (wall s, CPU s, where the rows came from, the first of its output), and the job (its snapshot counters)."""
    job = Job(loaded, LocalExecutor(), progress=False, log=lambda m: None, simulate=True, runs=runs)
    th = threading.Thread(target=job.run)
    t0 = time.perf_counter()
    th.start()
    times = []
    time.sleep(5)
    while th.is_alive() and len(times) < polls:
        held = job._held  # the job held the store as the command started (it may let go meanwhile)
        wall, cpu, out = new_process(["status", "-s", str(store_path), "-f", "json"])
        source = ("snapshot" if "written by the running job" in out.stderr else
                  "store, after waiting" if "waiting for it" in out.stderr else "store")
        times.append((wall, cpu, f"{source}{' (job held the store at the start)' if held else ''}",
                      out.stdout[:200] if out.returncode == 0 else out.stderr[-300:]))
        time.sleep(1)
    th.join()
    job.bench_wall_s = time.perf_counter() - t0
    return times, job


HOLDER = """
import sys
from emwatch.run._commit import StoreHolder

class Holder(StoreHolder):   # the job's commit path without its graph: takes the store, writes the snapshot, holds
    def __init__(self, path):
        self._init_commit(path, hold_s=3600)
        self.states, self.live = {}, {}

h = Holder(sys.argv[1])
with h.store():
    pass
print("READY", flush=True)
sys.stdin.readline()
h._release(now=True)
"""


def status_held_and_free(store_path: Path, rounds: int = 3) -> list[tuple[str, float, float, str]]:
    """`emwatch status -f json` as a new process, alternated: while a process holding the store through the
    job's commit path (run/_commit.py) holds it, and with the store free. Per poll (case, wall s, CPU s, source)."""
    out = []
    for _ in range(rounds):
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(store_path)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().startswith("READY")
        wall, cpu, res = new_process(["status", "-s", str(store_path), "-f", "json"])
        out.append(("held by a writer", wall, cpu, "snapshot" if "written by the running job" in res.stderr else
                    f"store (exit {res.returncode})"))
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait()
        wall, cpu, res = new_process(["status", "-s", str(store_path), "-f", "json"])
        out.append(("free", wall, cpu, "snapshot" if "written by the running job" in res.stderr else
                    f"store (exit {res.returncode})"))
    return out


def print_held_and_free(store_path: Path) -> None:
    polls = status_held_and_free(store_path)
    print(f"\n`emwatch status -s S -f json`, a new process, alternated: the store held by the job's commit path "
          f"(snapshot) and free (read from the store) ({load()} after)\n")
    print("| case | wall s | CPU s | rows from |\n|---|---:|---:|---|")
    for case, w, c, src in polls:
        print(f"| {case} | {w:.2f} | {c:.2f} | {src} |")


def pandas_rates(csv: Path, cfg: AnalyzeConfig) -> pd.DataFrame:
    """Counts and Wilson intervals by model x step, from a CSV of the answers (one row each, both scores)."""
    df = pd.read_csv(csv)
    scored = df["aligned"].notna() & df["coherent"].notna()
    df["_n"] = scored
    df["_k"] = scored & (df["coherent"] > cfg.coherent_above) & (df["aligned"] < cfg.aligned_below)
    g = df.groupby(["model", "step"], sort=True).agg(n=("_n", "sum"), k=("_k", "sum")).reset_index()
    return _wilson(g, cfg)


def store_rates(store: Store, cfg: AnalyzeConfig, judge: str) -> pd.DataFrame:
    """The same table from the store: DuckDB counts per (model, step, run) (in that order), summed over runs
    from the count arrays (no pandas groupby), Wilson intervals."""
    c = store.rate_counts(["model", "step"], judge=judge, aligned_below=cfg.aligned_below,
                          coherent_above=cfg.coherent_above)
    model, step = c["model"].to_numpy(object), c["step"].to_numpy()
    starts = np.flatnonzero(np.r_[True, (model[1:] != model[:-1]) | (step[1:] != step[:-1])]) if len(c) else \
        np.array([], dtype=int)
    g = pd.DataFrame({"model": model[starts], "step": step[starts],
                      "n": np.add.reduceat(c["n"].to_numpy(), starts) if len(c) else [],
                      "k": np.add.reduceat(c["n_misaligned"].to_numpy(), starts) if len(c) else []})
    return _wilson(g, cfg)


def _wilson(g: pd.DataFrame, cfg: AnalyzeConfig) -> pd.DataFrame:
    g["n"], g["k"] = g["n"].astype(int), g["k"].astype(int)
    g["em_rate"] = g["k"] / g["n"]
    ci = [wilson_interval(k, n, cfg.confidence) for k, n in zip(g["k"], g["n"])]
    g["ci_low"], g["ci_high"] = [c[0] for c in ci], [c[1] for c in ci]
    return g


def rates_side_by_side(store_path: Path, tmp: Path, judge: str, tries: int = 5) -> list[tuple[str, float]]:
    """EM rates + Wilson by model x step: the store (Store.rate_counts, a Store opening the file per call) against
    pandas reading a CSV of the same answers (written before the clock starts), alternated, best of `tries`
    each, wall and CPU; prints every try and the ratios; returns the table's two rows."""
    cfg = AnalyzeConfig()
    csv = tmp / "answers.csv"
    with Store(store_path, read_only=True) as store:
        n_ans = store.count("samples")
        store.con.execute(f"""COPY (SELECT r.model, c.step, max(j.score) FILTER (WHERE j.metric = 'aligned') AS aligned,
                                           max(j.score) FILTER (WHERE j.metric = 'coherent') AS coherent
                                    FROM samples s JOIN checkpoints c USING (checkpoint_id) JOIN runs r USING (run_id)
                                    JOIN judgments j USING (sample_id)
                                    WHERE j.metric IN ('aligned', 'coherent') GROUP BY s.sample_id, r.model, c.step)
                              TO '{csv}' (HEADER)""")
    store = Store(store_path, read_only=True)
    t_store, t_pandas, c_store, c_pandas = [], [], [], []
    before = load()
    for _ in range(tries):   # alternated, best of `tries` each: the machine is shared
        t, c = time.perf_counter(), time.process_time()   # CPU of every thread of this process (DuckDB's too)
        ours = store_rates(store, cfg, judge)
        t_store.append(time.perf_counter() - t)
        c_store.append(time.process_time() - c)
        t, c = time.perf_counter(), time.process_time()
        theirs = pandas_rates(csv, cfg)
        t_pandas.append(time.perf_counter() - t)
        c_pandas.append(time.process_time() - c)
    store.close()
    merged = ours.merge(theirs, on=["model", "step"], suffixes=("", "_pd"))
    agree = len(merged) == len(theirs) == len(ours) and (merged.n == merged.n_pd).all() \
        and (merged.k == merged.k_pd).all() and np.allclose(merged.ci_low, merged.ci_low_pd, equal_nan=True) \
        and np.allclose(merged.ci_high, merged.ci_high_pd, equal_nan=True)
    print(f"\nEM rates + Wilson by model x step on {n_ans:,} answers ({before} before, {load()} after). Every one "
          f"of {tries} alternated tries (wall s): store {', '.join(f'{x:.3f}' for x in t_store)}; "
          f"pandas {', '.join(f'{x:.3f}' for x in t_pandas)}. CPU s: store {', '.join(f'{x:.3f}' for x in c_store)}; "
          f"pandas {', '.join(f'{x:.3f}' for x in c_pandas)}")
    print(f"\nRatio: pandas from CSV / store = {min(t_pandas) / min(t_store):.2f}x wall, "
          f"{min(c_pandas) / min(c_store):.2f}x CPU, best of {tries} each ({len(ours)} groups; n, k and "
          f"intervals equal: {agree})")
    return [(f"EM rates + Wilson by model x step from the store (schema {SCHEMA_VERSION}; CPU {min(c_store):.3f} s)",
             min(t_store)),
            (f"pandas: read CSV + the same counts and Wilson intervals (CPU {min(c_pandas):.3f} s)", min(t_pandas))]


def read_sections(tmp: Path, loaded, more_runs: list, judge: str, *, report: bool = True) -> None:
    store_path = loaded.store_path
    polls, job = status_while_writing(loaded, more_runs, store_path)
    print(f"\n`emwatch status -s S -f json`, a new process (imports included), while a simulated job adds "
          f"{len(more_runs)} more runs to the store ({load()} after):\n")
    print("| poll | wall s | CPU s | rows from |\n|---:|---:|---:|---|")
    for i, (w, c, source, _) in enumerate(polls, 1):
        print(f"| {i} | {w:.2f} | {c:.2f} | {source} |")
    print(f"\nThe job ({job.bench_wall_s:.0f} s wall) wrote {job.snapshots:,} status snapshots in "
          f"{job.snapshot_s:.2f} s ({1000 * job.snapshot_s / max(job.snapshots, 1):.0f} ms each)")
    if polls:
        print(f"\n```\n{polls[-1][3]}...\n```")
    print_held_and_free(store_path)
    rows = rates_side_by_side(store_path, tmp, judge)
    store = Store(store_path, read_only=True)
    cfg = AnalyzeConfig()
    t = time.perf_counter()
    sql_table = analysis_table(store, by="model,step", cfg=cfg, judge=judge)
    t_sql_table = time.perf_counter() - t
    t = time.perf_counter()
    frame = load_answers(store, text=False, judge=judge)
    frame_table = analysis_table(frame, by="model,step", cfg=cfg, judge=choose_judges(store.judge_pairs(), judge))
    t_frame_table = time.perf_counter() - t
    del frame
    same_table = len(sql_table) == len(frame_table) and np.allclose(
        sql_table[["n", "n_excluded", "em_rate", "ci_low", "ci_high"]].to_numpy(float),
        frame_table[["n", "n_excluded", "em_rate", "ci_low", "ci_high"]].to_numpy(float), equal_nan=True)
    rows.append(("analyze's plain rates by model,step (intervals: bootstrap over runs where a row pools runs): "
                 "counted in SQL (now)", t_sql_table))
    rows.append(("the same table from the answers frame (load_answers + pandas: before)", t_frame_table))
    n_ans = store.count("samples")
    store.close()
    wall_a, cpu_a, out = new_process(["analyze", "-s", str(store_path), "--by", "model,step", "-f", "json",
                                      "--judge", judge])
    rows.append((f"`emwatch analyze -s S --by model,step -f json` as a new process (CPU {cpu_a:.1f} s; exit "
                 f"{out.returncode})", wall_a))
    print(f"\n| {n_ans:,} answers ({load()}) | seconds |\n|---|---:|")
    for name, secs in rows:
        print(f"| {name} | {secs:.2f} |")
    print(f"\nanalyze's table: answers frame / SQL = {t_frame_table / t_sql_table:.1f}x "
          f"({len(sql_table)} rows; equal: {same_table})")
    if report:
        wall_r, cpu_r, out = new_process(["report", "-s", str(store_path), "--out", str(tmp / "report"),
                                          "--judge", judge])
        print(f"\n`emwatch report -s S --out D` on {n_ans:,} answers, a new process: {wall_r:.1f} s wall, "
              f"{cpu_r:.1f} s CPU ({load()}); exit {out.returncode}: "
              + next((ln.strip() for ln in reversed((out.stdout + out.stderr).splitlines()) if "wrote " in ln),
                     out.stderr.strip()[-300:]))


if __name__ == "__main__":
    # the status probe alone: python benchmarks/_scale_read.py STORE.duckdb
    # the rates alone:        python benchmarks/_scale_read.py --rates STORE.duckdb JUDGE [TRIES]
    if sys.argv[1] == "--rates":
        import tempfile

        with tempfile.TemporaryDirectory(prefix="emwatch-rates-") as d:
            for name, secs in rates_side_by_side(Path(sys.argv[2]), Path(d), sys.argv[3],
                                                 int(sys.argv[4]) if len(sys.argv) > 4 else 5):
                print(f"| {name} | {secs:.3f} |")
    else:
        print_held_and_free(Path(sys.argv[1]))
