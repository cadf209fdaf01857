"""The paper's study at scale, simulated: `emwatch run --simulate` of the overtrained study's plan (cut to
`--answers` stored answers, whole recipes in lineup order) through the real Job, store and local executor.

    .venv/bin/python benchmarks/bench_scale.py [--answers 1000000] [--chunk 1024] [--skip-job --dir DIR]

The reading side alone, on a million answers in minutes (a small simulated job, copied; see _grow_store.py):

    .venv/bin/python benchmarks/bench_scale.py --answers 90000 --dir D0 --ingest 0 --no-report   # the source store
    .venv/bin/python benchmarks/_grow_store.py D0/out/emwatch.duckdb D1/out/emwatch.duckdb --answers 1000000
    .venv/bin/python benchmarks/bench_scale.py --answers 1000000 --skip-job --dir D1 --ingest 0

Measured in one run, side by side:
- driver time per answer (with its judgments) while the store holds ~10k, ~100k and ~1M answers:
  the job's wall time minus the time spent inside the work functions (simulated training, sampling and judging,
  static analysis), over the stretch where the store grew from n/2 to n answers; answers + judgments committed
  per driver-second; the driver's peak memory (max RSS);
- `emwatch status` (a separate process, as a user runs it) while the job writes, at about half way;
- the reading side (benchmarks/_scale_read.py): `emwatch status` while a job writes; EM rates + Wilson intervals
  by model x step from the store (counted in SQL) against pandas reading the same answers from a CSV file (written
  before the clock starts) and computing the same counts and intervals; `emwatch analyze --by model,step`'s table
  counted in SQL against the answers frame; `emwatch report` (a new process);
- ingest: the answers (records with their content keys) written into a fresh store, answers per second.
Prints a markdown section.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _common import machine_line
from emwatch.run import Job, LocalExecutor, load_study
from emwatch.run._study import LoadedStudy
from emwatch.store import Store

ROOT = Path(__file__).resolve().parent.parent


class TimedExecutor(LocalExecutor):
    """The local executor, counting the seconds spent inside work functions (what is not the driver's)."""

    def __init__(self) -> None:
        super().__init__()
        self.work_s = 0.0

    def submit(self, task_id, kind, fn, args, resources):
        def timed(*a, _fn=fn):
            t0 = time.perf_counter()
            try:
                return _fn(*a)
            finally:
                self.work_s += time.perf_counter() - t0
        super().submit(task_id, kind, timed, args, resources)


class TimedJob(Job):
    """The job, recording after every commit: wall seconds, work seconds, answers and judgments committed."""

    def __init__(self, *a, status_at: int, store_path: Path, **kw):
        super().__init__(*a, **kw)
        self.t0 = time.perf_counter()
        self.answers = self.judgments = 0
        self.timeline: list[tuple[float, float, int, int]] = []
        self.status_at, self.store_path, self.status = status_at, store_path, None

    def _complete(self, fin):
        kinds = [type(r).__name__ for r in (fin.result or [])] if fin.error is None else []
        super()._complete(fin)
        self.answers += kinds.count("Sample")
        self.judgments += kinds.count("Judgment")
        self.timeline.append((time.perf_counter() - self.t0, self.executor.work_s, self.answers, self.judgments))
        if self.status is None and self.answers >= self.status_at:
            self._release(now=True)  # as between commits: the store is free for a reader
            cmd = [sys.executable, "-m", "emwatch.cli", "status", "-s", str(self.store_path), "--stages-only"]
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-c", "from emwatch.cli import main; main()", *cmd[3:]],
                                 capture_output=True, text=True, env=os.environ)
            self.status = (time.perf_counter() - t0, self.answers, out.stdout.strip() or out.stderr.strip())


def cut_study(target: int, out: Path, chunk: int):
    """The overtrained study and the first of its planned runs (lineup order) whose checkpoints hold >= `target`
    answers: (loaded study, runs, answers, checkpoints)."""
    from emwatch.run import plan_runs
    from emwatch.run._plan import prompts_per_checkpoint

    full = load_study(ROOT / "studies" / "overtrained.yaml", out_dir=str(out), store=str(out / "emwatch.duckdb"))
    study = full.study.model_copy(update={"chunk": chunk, "report": full.study.report.model_copy(update={"enabled": False})})
    loaded = LoadedStudy(study, full.path, full.recipes)
    per_ck = sum(prompts_per_checkpoint(loaded))
    runs, ckpts, bases = [], 0, set()
    for r in plan_runs(loaded):
        runs.append(r)
        bases.add(r.plan.model_name)
        ckpts += len(r.checkpoint_steps())
        if (ckpts + len(bases)) * per_ck >= target:
            break
    return loaded, runs, (ckpts + len(bases)) * per_ck, ckpts + len(bases)


def window(timeline, n: int) -> dict | None:
    """Driver seconds per 1,000 answers while the store grew from n/2 to n answers."""
    pts = [p for p in timeline if n // 2 <= p[2] <= n]
    if len(pts) < 2:
        return None
    (w0, k0, a0, j0), (w1, k1, a1, j1) = pts[0], pts[-1]
    driver = (w1 - w0) - (k1 - k0)
    return {"n": n, "driver_s": driver, "work_s": k1 - k0, "answers": a1 - a0, "judgments": j1 - j0,
            "ms_per_answer": 1000 * driver / max(a1 - a0, 1),
            # answers run ahead of judgments (a judge task waits while its answers are in the job's batch): a
            # window can hold answers only, so the cost per answer and its judgments is the comparable figure
            "ms_per_record": 1000 * driver / max(a1 - a0 + j1 - j0, 1),
            "per_driver_s": (a1 - a0 + j1 - j0) / driver if driver > 0 else float("nan")}


def ingest(src: Store, dest: Path, limit: int) -> dict[str, tuple[float, int]]:
    """Answers (samples with their judgments; runs, checkpoints, questions first) re-read from the job's store
    and written into fresh stores, two ways: typed records through `Store.add` (a key per record), and
    `Store.ingest_answers` (keys a column at a time). Returns {way: (seconds, answers)}; the two stores must
    hold the same keys. Sampling settings go in as mappings (they are part of the keys), `raw` as its JSON text."""
    import json

    from emwatch.store import Checkpoint, Judgment, Question, Run, Sample

    samples = src.query(f"SELECT * EXCLUDE (sample_id, created_at) FROM samples ORDER BY sample_id LIMIT {limit}")
    ids = src.query(f"SELECT sample_id FROM samples ORDER BY sample_id LIMIT {limit}").sample_id
    row = {sid: i for i, sid in enumerate(ids)}
    judg = src.query("SELECT * EXCLUDE (judgment_id, created_at) FROM judgments")
    judg = judg[judg.sample_id.isin(row)].reset_index(drop=True)
    qs = src.query("SELECT * FROM questions")
    cks = src.query("SELECT c.*, r.model, r.kind FROM checkpoints c JOIN runs r USING (run_id)")
    parents: list = [Run(model=m, kind=k, run_id=r) for r, m, k in
                     cks[["run_id", "model", "kind"]].drop_duplicates("run_id").itertuples(index=False)]
    parents += [Checkpoint(run_id=r, step=int(st)) for r, st in cks[["run_id", "step"]].itertuples(index=False)]
    parents += [Question(bank=b, question_id=q, category=c, variant=v, wrapper=w, paraphrase_index=p,
                         messages=json.loads(m), judge_metrics=json.loads(jm) if jm else {}, reference=ref)
                for b, q, c, v, w, p, m, jm, ref in qs[["bank", "question_id", "category", "variant", "wrapper",
                                                       "paraphrase_index", "messages", "judge_metrics",
                                                       "reference"]].itertuples(index=False)]
    samples["sampling"] = samples["sampling"].map({v: json.loads(v) for v in samples.sampling.unique()})
    # a judgment's `raw` (the judge's number distribution and top tokens) stays the JSON text it is stored as, in
    # both ways: both store a text as it is, and encoding 200k nested mappings again (json.dumps, ~60% of the
    # bulk time at load 10) would measure the json module rather than the store
    judg["raw"] = judg["raw"].map(lambda v: v if isinstance(v, str) else None)
    out = {}

    def none(v):
        return None if v is None or (isinstance(v, float) and v != v) else v

    t0 = time.perf_counter()
    recs = [Sample(checkpoint_id=c, question_key=q, sample_index=int(i), sampling=sm, response=none(r),
                   backend=none(b), prompt=none(pr), finish_reason=none(f))
            for c, q, i, sm, r, b, pr, f in samples[["checkpoint_id", "question_key", "sample_index", "sampling",
                                                     "response", "backend", "prompt", "finish_reason"]].itertuples(index=False)]
    recs += [Judgment(sample_id=s, judge_model=j, metric=m, prompt_hash=none(p), score=none(sc), reason=none(rs),
                      label=none(lb), raw=raw)
             for s, j, m, p, sc, rs, lb, raw in judg[["sample_id", "judge_model", "metric", "prompt_hash", "score",
                                                      "reason", "label", "raw"]].itertuples(index=False)]
    with Store(dest / "records.duckdb") as a:
        a.add(parents)
        t0 = time.perf_counter() - (time.perf_counter() - t0)  # the records' construction counts too
        a.add(recs)
        out["records (Store.add)"] = (time.perf_counter() - t0, a.count("samples"))
        keys_a = set(a.query("SELECT judgment_id FROM judgments").judgment_id)
    with Store(dest / "bulk.duckdb") as b:
        b.add(parents)
        jb = judg.drop(columns=["sample_id"]).assign(sample=[row[s] for s in judg.sample_id])
        t0 = time.perf_counter()
        b.ingest_answers(samples, jb)
        out["bulk (Store.ingest_answers)"] = (time.perf_counter() - t0, b.count("samples"))
        same = keys_a == set(b.query("SELECT judgment_id FROM judgments").judgment_id)
    return out, same


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=200_000,
                    help="stored answers to reach (200,000 fits `make bench` on 2 cores; 1,000,000 took ~50 min at load 10)")
    ap.add_argument("--chunk", type=int, default=1024,
                    help="the study's `chunk` (answers or judgments per commit; the overtrained study's default is 256)")
    ap.add_argument("--ingest", type=int, default=200_000, help="answers re-ingested for the ingest figure (0: skip)")
    ap.add_argument("--no-report", action="store_true", help="skip `emwatch report` on the big store")
    ap.add_argument("--dir", default=None)
    ap.add_argument("--skip-job", action="store_true", help="reuse the store an earlier run left in --dir (or one "
                    "benchmarks/_grow_store.py wrote to DIR/out/emwatch.duckdb): only the sections after the job "
                    "(status while a job writes, rates, analyze, report, ingest)")
    args = ap.parse_args()
    tmp = Path(args.dir or tempfile.mkdtemp(prefix="emwatch-bench-scale-"))
    loaded, runs, n_planned, n_ckpts = cut_study(args.answers, tmp / "out", args.chunk)
    print(f"## bench_scale.py\n\n{machine_line()}\n")
    print(f"plan: the overtrained study's first {len(runs)} runs (of 585, lineup order): {n_ckpts:,} checkpoints with "
          f"the base models', {n_planned:,} answers, each judged for alignment and coherence (held-out coding "
          f"answers by static analysis); chunk {args.chunk}\n")
    if args.skip_job:
        print(f"(the store in --dir, {loaded.store_path}: an earlier run's, or one grown by _grow_store.py; sections "
              "after the job only)\n")
        after_job(args, tmp, loaded, runs)
        return
    ex = TimedExecutor()
    job = TimedJob(loaded, ex, progress=False, log=lambda m: None, simulate=True, runs=runs,
                   status_at=n_planned // 2, store_path=loaded.store_path)
    t0 = time.perf_counter()
    res = job.run()
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store = Store(loaded.store_path, read_only=True)
    n_ans, n_judg = store.count("samples"), store.count("judgments")
    print(f"job: {wall:.0f} s wall, {ex.work_s:.0f} s in work functions, driver {wall - ex.work_s:.0f} s; "
          f"{n_ans:,} answers and {n_judg:,} judgments stored (plan: {n_planned:,} answers); failed tasks: {len(res.failed)}; "
          f"driver peak memory (max RSS) {peak_mb:,.0f} MB\n")
    print("| stored answers | driver s | work s | answers | judgments | driver ms per answer | driver ms per answer "
          "or judgment | answers+judgments per driver-s |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = [w for n in (10_000, 100_000, 1_000_000) if (w := window(job.timeline, n))]
    for w in rows:
        print(f"| {w['n'] // 2:,}-{w['n']:,} | {w['driver_s']:.1f} | {w['work_s']:.1f} | {w['answers']:,} | "
              f"{w['judgments']:,} | {w['ms_per_answer']:.1f} | {w['ms_per_record']:.2f} | {w['per_driver_s']:,.0f} |")
    if len(rows) >= 2:
        print(f"\nRatio: driver time per answer at {rows[-1]['n']:,} / at {rows[0]['n']:,} = "
              f"{rows[-1]['ms_per_answer'] / rows[0]['ms_per_answer']:.2f}x")
    whole = (n_ans + n_judg) / max(wall - ex.work_s, 1e-9)
    print(f"\nWhole run: {whole:,.0f} answers+judgments committed per driver-second.")
    js = job._store
    print(f"\nStore connections opened by the driver: {js.opens:,}; batches written again skipping stored keys: "
          f"{js.fresh_fallbacks}; the last release cycle (reopen, first write, close) cost "
          f"{job._last_cycle_s:.2f} s, so the store was held at least {min(job.hold_max_s, job.hold_ratio * job._last_cycle_s):.1f} s a burst; "
          f"status snapshots written: {job.snapshots:,} in {job.snapshot_s:.1f} s of driver time")
    if job.status:
        s, at, text = job.status
        print(f"\n`emwatch status --stages-only` at {at:,} answers, while the job ran: {s:.2f} s (a new process, "
              f"imports included)\n\n```\n{text}\n```")

    store.close()
    after_job(args, tmp, loaded, runs)


def after_job(args, tmp: Path, loaded, runs) -> None:
    """The reading side on the big store (benchmarks/_scale_read.py: status while a job writes, EM rates from it
    against pandas from a CSV, analyze's table both ways, the report), then ingest."""
    from _scale_read import read_sections
    from emwatch.run import plan_runs

    more = plan_runs(loaded)[len(runs): len(runs) + 2]
    read_sections(tmp, loaded, more, Job(loaded, simulate=True).judge_name(), report=not args.no_report)
    if not args.ingest:
        return
    ways, same = ingest(Store(loaded.store_path, read_only=True), tmp, args.ingest)
    print("\n| ingest into a fresh store | answers | seconds | answers/s |\n|---|---:|---:|---:|")
    for way, (secs, n) in ways.items():
        print(f"| {way} | {n:,} | {secs:.1f} | {n / secs:,.0f} |")
    (ra, _), (rb, _) = ways.values()
    print(f"\nRatio: bulk / records = {ra / rb:.1f}x the speed; the same keys: {same}")


if __name__ == "__main__":
    main()
