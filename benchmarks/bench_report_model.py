"""One model's share of `emwatch report`, the parts h7-report changed, old way and new way side by side in one
process on the same frame (alternated, `--reps` times each; CPU seconds of this process, median and range):

- the read: DuckDB sorting the whole row (`... ORDER BY a.sample_id`, then `lean_frame`) against the rows as
  DuckDB gives them, put in sample-id order by Arrow's sort of the key column (`store._chunks.frame_of`);
- the pooled rates' selections (final checkpoint, formats, adversarial) and their counts: filtered from the
  whole ~30-column frame against the 13 columns they read (`analysis._by_model.COUNT_COLUMNS`).

Both give equal frames / counts (checked here every repetition).

    .venv/bin/python benchmarks/bench_report_model.py STORE [--model NAME] [--reps 5]

STORE: e.g. one grown by benchmarks/_grow_store.py (its first model has 633,422 answers at 1M and at 5M).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics

from emwatch.analysis import _by_model as M
from emwatch.analysis._dynamics import dynamics, milestones
from emwatch.analysis._early_stop import chosen_steps, early_stopping
from emwatch.analysis._study import canonical_order
from emwatch.analysis._views import adversarial_answers, format_answers
from emwatch.config import AnalyzeConfig
from emwatch.store import Store, choose_judges
from emwatch.store._chunks import benchmark_questions, frame_of, lean_frame, model_answers_sql, models, study_facts


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("store")
    ap.add_argument("--model", default=None, help="default: the store's first model")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    cfg = AnalyzeConfig()
    store = Store(args.store, read_only=True)
    judges = choose_judges(store.judge_pairs(), None, cfg.judge).sql()
    facts = study_facts(store, judges)
    bench = benchmark_questions(store, facts["judged_questions"])
    sql = model_answers_sql(store, judges)
    model = args.model or models(store)[0]
    t: dict[str, list[float]] = {k: [] for k in ("read: ORDER BY in DuckDB", "read: Arrow sorts the key",
                                                 "selections: whole frame", "selections: 13 columns")}
    with store._session() as con:
        for _ in range(args.reps):
            c = _cpu()
            old = lean_frame(con.sql(sql + " ORDER BY a.sample_id", params=[model, list(bench)]).to_arrow_table())
            t["read: ORDER BY in DuckDB"].append(_cpu() - c)
            c = _cpu()
            new = frame_of(con.sql(sql, params=[model, list(bench)]).to_arrow_table())
            t["read: Arrow sorts the key"].append(_cpu() - c)
            assert new.equals(old) and list(new.dtypes) == list(old.dtypes)
            del old, new
    frame = canonical_order(M.em_columns(_frame(store, sql, model, bench)))
    lean = frame[[c for c in M.DYN_COLUMNS if c in frame]]
    dyn = dynamics(lean, cfg, tasks=M.task_metric(frame))
    ms = milestones(dyn, cfg)
    stopped = chosen_steps(early_stopping(dyn, ms, cfg=cfg), "task_convergence")

    def counts(f):
        sel = (M._final_answers(f, ms), format_answers(f, ms), adversarial_answers(f, ms, stopped, wrapped_only=False))
        return [M._counts(s, M.POOLED[k], cfg) for s, k in zip(sel, ("by_model", "formats", "adversarial"))]

    for _ in range(args.reps):
        c = _cpu()
        wide = counts(frame)
        t["selections: whole frame"].append(_cpu() - c)
        c = _cpu()
        narrow = counts(frame[[col for col in M.COUNT_COLUMNS if col in frame]])
        t["selections: 13 columns"].append(_cpu() - c)
        assert all(a.equals(b) for a, b in zip(wide, narrow))
    load = os.getloadavg()[0]
    print(f"model {model}: {len(frame):,} answers, {len(frame.columns)} columns; {args.reps} repetitions each, "
          f"alternated; load {load:.1f}\n")
    print("| part | CPU s, median | range |")
    print("|---|---:|---|")
    for k, v in t.items():
        print(f"| {k} | {statistics.median(v):.2f} | {min(v):.2f}-{max(v):.2f} |")


def _frame(store: Store, sql: str, model: str, bench: list[str]):
    with store._session() as con:
        return frame_of(con.sql(sql, params=[model, list(bench)]).to_arrow_table())


if __name__ == "__main__":
    main()
