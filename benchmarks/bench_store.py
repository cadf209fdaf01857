"""A million judged answers: emwatch's store (ingest, then EM rates by model and step) against pandas reading the
same answers from a CSV file and grouping them.

    .venv/bin/python benchmarks/bench_store.py [--n 1000000] [--import-csv] [--bulk 200000 [--before-rev REV]]
    .venv/bin/python benchmarks/bench_store.py --bulk-only --bulk 200000 --before-rev 8a1107e --reps 3

Both sides get the same synthetic answers (models x steps x questions x samples, with aligned and coherent
scores and some missing ones). The emwatch side writes typed records (runs, checkpoints, questions, samples,
judgments: every row with its content key, duplicates skipped) in transactions of 100,000 answers, then reads
them back and computes EM rates with Wilson intervals; the pandas side reads a CSV with one row per answer
(written before the clock starts) and computes the plain share of misaligned answers per group. The EM rates
of the two must agree. With `--import-csv` it also times `emwatch import` of that CSV file (the path users
take for an earlier study's answers) into a second store, whose EM rates must agree too.

Bulk ingest (`--bulk N`, on by default): N answers and 2N judgments (alignment and coherence, each with the
judge's `raw` JSON text, as a job stores them) written by `Store.ingest_answers` into a fresh store, each try in
a new process. With `--before-rev REV` the same is timed with the emwatch source of git revision REV (extracted
with `git archive`), the two alternated `--reps` times in one run, and the keys both wrote compared. Prints a
markdown section.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _common import machine_line
from emwatch.analysis import em_rates, load_answers
from emwatch.config import AnalyzeConfig
from emwatch.store import Checkpoint, Judgment, Question, Run, Sample, Store, import_csv

MODELS, STEPS, QUESTIONS = 4, 10, 50
CHUNK = 100_000


def synthetic(n: int, seed: int = 0) -> pd.DataFrame:
    """n answers: model, step, question, sample index, aligned and coherent (NaN = judge gave no score)."""
    rng = np.random.default_rng(seed)
    per_cell = MODELS * STEPS * QUESTIONS
    samples = -(-n // per_cell)
    idx = np.arange(n)
    df = pd.DataFrame({
        "model": "model-" + (idx % MODELS).astype(str),
        "step": (idx // MODELS) % STEPS * 100,
        "question_id": "q" + ((idx // (MODELS * STEPS)) % QUESTIONS).astype(str),
        "sample_index": idx // per_cell % samples,
    })
    df["aligned"] = rng.uniform(0, 100, n).round(1)
    df["coherent"] = rng.uniform(0, 100, n).round(1)
    df.loc[rng.random(n) < 0.02, "aligned"] = np.nan
    df["response"] = "answer " + idx.astype(str)
    df["question"] = "question " + df["question_id"]
    return df


def ingest(store: Store, df: pd.DataFrame) -> None:
    """The answers as emwatch records, one transaction per CHUNK answers."""
    runs = {m: Run(model=m, kind="finetune", dataset="insecure", seed=0, lr=1e-5) for m in df["model"].unique()}
    cks = {(m, int(s)): Checkpoint(run_id=runs[m].key, step=int(s)) for m, s in
           df[["model", "step"]].drop_duplicates().itertuples(index=False)}
    qs = {q: Question(bank="bench", question_id=q, messages=({"role": "user", "content": f"question {q}"},),
                      category="c", judge_metrics={"aligned": None, "coherent": None}) for q in df["question_id"].unique()}
    store.add([*runs.values(), *cks.values(), *qs.values()])
    sampling = {"temperature": 1.0}
    cols = [df[c].to_numpy() for c in ("model", "step", "question_id", "sample_index", "response", "aligned", "coherent")]
    for start in range(0, len(df), CHUNK):
        recs = []
        for m, s, q, i, text, a, c in zip(*(col[start:start + CHUNK] for col in cols)):
            sample = Sample(checkpoint_id=cks[(m, int(s))].key, question_key=qs[q].key, sample_index=int(i),
                            sampling=sampling, response=text)
            sid = sample.key
            recs.append(sample)
            recs.append(Judgment(sample_id=sid, judge_model="j", metric="aligned",
                                 score=None if a != a else float(a), reason="no score" if a != a else None))
            recs.append(Judgment(sample_id=sid, judge_model="j", metric="coherent", score=float(c)))
        store.add(recs)


def answer_frames(n: int, seed: int = 0) -> tuple[list, pd.DataFrame, pd.DataFrame]:
    """The runs, checkpoints and questions, then n answers and 2n judgments as `Store.ingest_answers` takes them:
    answers of ~440 characters, one sampling mapping shared by every row, judgments with the judge's `raw`
    number distribution as its JSON text (as a store gives it back)."""
    rng = np.random.default_rng(seed)
    runs = [Run(model=f"model-{m}", kind="finetune", dataset="insecure", seed=0, lr=1e-5) for m in range(MODELS)]
    cks = [Checkpoint(run_id=r.key, step=100 * s) for r in runs for s in range(STEPS)]
    qs = [Question(bank="bench", question_id=f"q{i}", messages=({"role": "user", "content": f"question {i}"},),
                   category="c", judge_metrics={"aligned": None, "coherent": None}) for i in range(QUESTIONS)]
    idx = np.arange(n)
    sampling = {"temperature": 1.0, "top_p": 1.0, "max_new_tokens": 600, "seed": 0}
    samples = pd.DataFrame({
        "checkpoint_id": np.array([c.key for c in cks], dtype=object)[idx % len(cks)],
        "question_key": np.array([q.key for q in qs], dtype=object)[idx // len(cks) % len(qs)],
        "sample_index": idx // (len(cks) * len(qs)), "sampling": [sampling] * n, "backend": "vllm",
        "response": pd.Series("answer " + idx.astype(str)) + " " + "lorem ipsum dolor sit amet " * 16,
        "prompt_tokens": 30, "completion_tokens": rng.integers(10, 600, n), "finish_reason": "stop"})
    score = rng.uniform(0, 100, 2 * n).round(1)
    raw = [json.dumps({"dist": {"80": 0.5, "90": 0.3}, "top": [["8", -0.2], ["9", -1.1]], "mean": x})
           for x in score.tolist()]
    judgments = pd.DataFrame({"sample": np.repeat(idx, 2), "judge_model": "gpt-4o",
                              "metric": ["aligned", "coherent"] * n, "prompt_hash": "p1", "score": score,
                              "raw": raw})
    return [*runs, *cks, *qs], samples, judgments


def _bulk_child(n: int) -> None:
    """One try, in this process: prints wall and CPU seconds of `ingest_answers` and a digest of the keys written."""
    parents, samples, judgments = answer_frames(n)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.duckdb") as store:
        store.add(parents)
        t0, c0 = time.perf_counter(), time.process_time()
        added = store.ingest_answers(samples, judgments)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        keys = store.query("SELECT judgment_id || sample_id AS k FROM judgments ORDER BY k").k
    print(json.dumps({"wall": wall, "cpu": cpu, "added": added,
                      "keys": hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]}))


def bulk_section(n: int, reps: int, before_rev: str | None) -> None:
    """`ingest_answers` of n answers, this checkout's code (and REV's, alternated), each try a new process."""
    here = Path(__file__).resolve().parent
    sides = {"now": here.parent / "src"}
    with tempfile.TemporaryDirectory() as tmp:
        if before_rev:
            archive = subprocess.run(["git", "-C", str(here.parent), "archive", before_rev, "src"], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            sides = {f"before ({before_rev})": Path(tmp) / "src", **sides}
        started = machine_line()
        tries: dict[str, list[dict]] = {side: [] for side in sides}
        for _ in range(reps):
            for side, src in sides.items():
                env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{here}"}
                out = subprocess.run([sys.executable, __file__, "--bulk-child", str(n)], env=env, check=True,
                                     capture_output=True, text=True).stdout
                tries[side].append(json.loads(out.splitlines()[-1]))
    print(f"## Bulk ingest: {n:,} answers and {2 * n:,} judgments (Store.ingest_answers, a fresh store)\n")
    print(f"At the start: {started}. At the end: load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}. "
          f"{reps} {'try' if reps == 1 else 'tries'} a side, alternated, each a new process; the median try.\n")
    print("| code | wall s | CPU s | answers/s (wall) | answers/s (CPU) | rows written |")
    print("|---|---:|---:|---:|---:|---|")
    med = {}
    for side, got in tries.items():
        w, c = float(np.median([t["wall"] for t in got])), float(np.median([t["cpu"] for t in got]))
        med[side] = (w, c)
        print(f"| {side} | {w:.2f} | {c:.2f} | {n / w:,.0f} | {n / c:,.0f} | {got[0]['added']} |")
    same = len({t["keys"] for got in tries.values() for t in got}) == 1
    if len(med) == 2:
        (wb, cb), (wn, cn) = med.values()
        print(f"\nRatio now / before: {wb / wn:.2f}x the speed (wall), {cb / cn:.2f}x (CPU). ", end="")
    print(f"Every try wrote the same keys: {'yes' if same else 'NO'}.\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--import-csv", action="store_true", help="also time `emwatch import` of the CSV file")
    ap.add_argument("--bulk", type=int, default=200_000, help="answers for the bulk-ingest section (0: skip)")
    ap.add_argument("--before-rev", help="also time the bulk ingest with this git revision's code, side by side")
    ap.add_argument("--reps", type=int, default=3, help="bulk-ingest tries a side")
    ap.add_argument("--bulk-only", action="store_true", help="only the bulk-ingest section")
    ap.add_argument("--bulk-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.bulk_child:
        return _bulk_child(args.bulk_child)
    if args.bulk:
        bulk_section(args.bulk, args.reps, args.before_rev)
    if args.bulk_only:
        return
    started = machine_line()
    df = synthetic(args.n)
    cfg = AnalyzeConfig()
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "answers.csv"
        df.to_csv(csv, index=False)

        t0, c0 = time.perf_counter(), time.process_time()
        raw = pd.read_csv(csv)
        counted = raw.dropna(subset=["aligned", "coherent"])
        counted = counted.assign(mis=(counted["aligned"] < cfg.aligned_below) & (counted["coherent"] > cfg.coherent_above))
        by_pandas = counted.groupby(["model", "step"])["mis"].mean()
        t_pandas, c_pandas = time.perf_counter() - t0, time.process_time() - c0

        with Store(Path(tmp) / "s.duckdb") as store:
            t0, c0 = time.perf_counter(), time.process_time()
            ingest(store, df)
            t_ingest, c_ingest = time.perf_counter() - t0, time.process_time() - c0
            t0, c0 = time.perf_counter(), time.process_time()
            rates = em_rates(load_answers(store, text=False), ["model", "step"], cfg)
            t_rates, c_rates = time.perf_counter() - t0, time.process_time() - c0
            n_stored = store.count("samples")
        imported = None
        if args.import_csv:
            with Store(Path(tmp) / "imported.duckdb") as store:
                t0, c0 = time.perf_counter(), time.process_time()
                import_csv(store, csv)
                t_import, c_import = time.perf_counter() - t0, time.process_time() - c0
                got = em_rates(load_answers(store, text=False), ["model", "step"], cfg)
                imported = (t_import, c_import, store.count("samples"),
                            got.set_index(["model", "step"])["em_rate"].sort_index())
    ours = rates.set_index(["model", "step"])["em_rate"].sort_index()
    agree = np.allclose(ours.to_numpy(), by_pandas.sort_index().to_numpy())
    if imported is not None:
        agree = agree and imported[2] == args.n and np.allclose(imported[3].to_numpy(), by_pandas.sort_index().to_numpy())
    print(f"## Store: {args.n:,} judged answers, EM rates by model and step\n")
    print(f"{MODELS} models x {STEPS} steps x {QUESTIONS} questions; {n_stored:,} answers stored; "
          f"EM rates agree with pandas: {'yes' if agree else 'NO'}.\n")
    print(f"At the start: {started}. At the end: load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.\n")
    print("| path | wall s | CPU s | answers/s (wall) |")
    print("|---|---:|---:|---:|")
    print(f"| emwatch: ingest (keys, dedupe, 3 records per answer) | {t_ingest:.1f} | {c_ingest:.1f} | {args.n / t_ingest:,.0f} |")
    if imported is not None:
        print(f"| emwatch: `emwatch import` of the CSV (parse, check, keys, dedupe) | {imported[0]:.1f} | {imported[1]:.1f} | "
              f"{args.n / imported[0]:,.0f} |")
    print(f"| emwatch: EM rates + Wilson intervals from the store | {t_rates:.1f} | {c_rates:.1f} | {args.n / t_rates:,.0f} |")
    print(f"| pandas: read CSV + share misaligned per group | {t_pandas:.1f} | {c_pandas:.1f} | {args.n / t_pandas:,.0f} |")
    print(f"\nRatios: EM rates from the store / pandas from CSV = {t_rates / t_pandas:.2f}x the time; "
          f"ingest + rates / pandas = {(t_ingest + t_rates) / t_pandas:.1f}x (ingest is paid once per study; "
          f"every later analysis reads the store).\n")


if __name__ == "__main__":
    main()
