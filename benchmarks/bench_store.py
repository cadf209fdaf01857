"""A million judged answers: emwatch's store (ingest, then EM rates by model and step) against pandas reading the
same answers from a CSV file and grouping them.

    .venv/bin/python benchmarks/bench_store.py [--n 1000000] [--import-csv]

Both sides get the same synthetic answers (models x steps x questions x samples, with aligned and coherent
scores and some missing ones). The emwatch side writes typed records (runs, checkpoints, questions, samples,
judgments: every row with its content key, duplicates skipped) in transactions of 100,000 answers, then reads
them back and computes EM rates with Wilson intervals; the pandas side reads a CSV with one row per answer
(written before the clock starts) and computes the plain share of misaligned answers per group. The EM rates
of the two must agree. With `--import-csv` it also times `emwatch import` of that CSV file (the path users
take for an earlier study's answers) into a second store, whose EM rates must agree too. Prints a markdown
section.
"""

from __future__ import annotations

import argparse
import os
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--import-csv", action="store_true", help="also time `emwatch import` of the CSV file")
    args = ap.parse_args()
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
