"""A store of ~N answers for measuring the reading side (rates, status, analyze, report) in minutes instead of the
simulated job's ~45 minutes per million: copies of a smaller store that the real job wrote.

    python benchmarks/_grow_store.py SOURCE.duckdb DEST.duckdb --answers 1000000

SOURCE is a store made by `emwatch run --simulate` (bench_scale.py with a small --answers): its fine-tuning runs
of one model and training set, with their checkpoints, answers, judgments and job tasks. DEST holds SOURCE and
as many copies of those runs as reach `--answers`, copy k relabelled as another (model, training set) of the
overtrained lineup (models x datasets in lineup order; each model also gets a copy of the base model's run), so
the store has the shape of the overtrained plan's first ~100 runs: 3 models, 5 training sets, 9 runs each (past
~1.9M answers the further models of the lineup come in: 13 models reach ~6M). Every
id of a copy is the md5 of the original id and the copy's run; its aligned/coherent scores are the original's
moved by -3..+3 points (a hash of the new judgment id), so copies are not identical. The content keys of copies
are not what the store's own records would compute (a reader does not care; a writer resuming into it would).
This is a benchmark fixture, written with plain SQL: never a store to resume a study in.
"""

from __future__ import annotations

import argparse
import math
import shutil
import time
from pathlib import Path

import duckdb
import pandas as pd

# the first three give the ~1M store its shape (3 models); the rest of the overtrained lineup lets it reach ~5M
MODELS = ("meta-llama/Llama-3.1-8B-Instruct", "meta-llama/Llama-3.3-70B-Instruct", "Qwen/Qwen3-8B",
          "qwen3-14b", "qwen3-32b", "qwen3-30b-a3b-instruct-2507", "qwen3-235b-a22b-instruct-2507",
          "qwen2.5-coder-32b-instruct", "deepseek-r1-distill-llama-8b", "deepseek-v3.1", "gpt-oss-20b",
          "gpt-oss-120b", "gpt-4o")
DATASETS = ("insecure", "secure", "educational", "medical_bad", "medical_good")


def grow(source: Path, dest: Path, answers: int) -> dict[str, int]:
    """Copy `source` to `dest` and add copies of its fine-tuning runs until `dest` holds >= `answers` answers.
    Returns the final counts per table."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    for p in (dest, dest.with_name(dest.name + ".wal")):
        p.unlink(missing_ok=True)
    shutil.copyfile(source, dest)
    con = duckdb.connect(str(dest))
    runs = con.execute("SELECT run_id, kind, model, dataset FROM runs").df()
    per_run = con.execute("""SELECT c.run_id, count(*) AS n FROM samples s JOIN checkpoints c USING (checkpoint_id)
                             GROUP BY ALL""").df().set_index("run_id")["n"]
    ft = runs[runs.kind == "finetune"]
    base = runs[runs.kind == "base"]
    if ft.empty or len(base) != 1:
        raise SystemExit(f"{source}: need fine-tuning runs and one base run (found {len(ft)} and {len(base)})")
    src_model, src_dataset = ft.model.iloc[0], ft.dataset.iloc[0]
    ft_answers, base_answers = int(per_run.reindex(ft.run_id).fillna(0).sum()), int(per_run.get(base.run_id.iloc[0], 0))
    have = int(per_run.sum())
    # lineup: (model, dataset) pairs in order, the source's own pair first (copy 0 = the source)
    pairs = [(m, d) for m in MODELS for d in DATASETS]
    pairs.remove((src_model, src_dataset)) if (src_model, src_dataset) in pairs else None
    mapping, copies, models_used = [], 0, {src_model}
    for model, dataset in pairs:
        if have >= answers:
            break
        copies += 1
        for r in ft.run_id:
            mapping.append((r, copies, model, dataset))
        have += ft_answers
        if model not in models_used:
            models_used.add(model)
            mapping.append((base.run_id.iloc[0], copies, model, None))
            have += base_answers
    if not mapping:
        return _counts(con)
    m = pd.DataFrame(mapping, columns=["src", "copy", "model", "dataset"])
    m["new"] = [_md5(f"{s}|{c}|{mo}") for s, c, mo in zip(m["src"], m["copy"], m["model"])]
    con.register("m_df", m)
    con.execute("CREATE TEMP TABLE m AS SELECT * FROM m_df")
    t0 = time.perf_counter()
    con.execute("BEGIN")
    con.execute("""INSERT INTO runs SELECT m.new, r.kind, m.model, CASE WHEN r.kind = 'base' THEN NULL ELSE m.dataset END,
                          r.seed, r.lr, CASE WHEN r.kind = 'base' THEN r.group_name ELSE m.dataset END,
                          r.out_dir || '#' || m.copy::VARCHAR, r.config, r.packages, r.git_rev, r.created_at
                   FROM runs r JOIN m ON m.src = r.run_id""")
    con.execute("""CREATE TEMP TABLE cm AS SELECT c.checkpoint_id AS src, md5(c.checkpoint_id || '|' || m.new) AS new,
                          m.new AS run_id FROM checkpoints c JOIN m ON m.src = c.run_id""")
    con.execute("""INSERT INTO checkpoints SELECT cm.new, cm.run_id, c.step, c.path, c.train_loss, c.heldout_loss,
                          c.total_steps, c.meta, c.created_at FROM checkpoints c JOIN cm ON cm.src = c.checkpoint_id""")
    con.execute("""CREATE TEMP TABLE sm AS SELECT s.sample_id AS src, md5(s.sample_id || '|' || cm.new) AS new,
                          cm.new AS checkpoint_id FROM samples s JOIN cm ON cm.src = s.checkpoint_id""")
    cols = [r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'samples' "
                                      "ORDER BY column_index").fetchall()]
    sel = ", ".join("sm.new" if c == "sample_id" else "sm.checkpoint_id" if c == "checkpoint_id" else f"s.{c}"
                    for c in cols)
    con.execute(f"INSERT INTO samples ({', '.join(cols)}) SELECT {sel} FROM samples s JOIN sm ON sm.src = s.sample_id")
    con.execute("""INSERT INTO judgments SELECT md5(j.judgment_id || '|' || sm.new) AS jid, sm.new, j.judge_model,
                          j.metric, j.prompt_hash,
                          CASE WHEN j.metric IN ('aligned', 'coherent') AND j.score IS NOT NULL
                               THEN least(100.0, greatest(0.0, j.score + (hash(j.judgment_id || sm.new) % 7)::INT - 3))
                               ELSE j.score END,
                          j.label, j.reason, j.raw, j.created_at
                   FROM judgments j JOIN sm ON sm.src = j.sample_id""")
    con.execute("""INSERT INTO tasks SELECT md5(t.task_id || '|' || m.new), t.study, t.kind,
                          replace(replace(t.target::VARCHAR, m.src, m.new), coalesce(cm0.src, '\x01'),
                                  coalesce(cm0.new, '\x01'))::JSON,
                          t.status, t.attempts, t.error, t.created_at
                   FROM tasks t JOIN m ON json_extract_string(t.target, '$.run_id') = m.src
                   LEFT JOIN cm cm0 ON cm0.src = json_extract_string(t.target, '$.checkpoint_id') AND cm0.run_id = m.new""")
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    out = _counts(con)
    con.close()
    # the copies were written with SQL: the table EM rates read (schema 4, kept by the Store's writes) is
    # rebuilt from the judgments (opening the file with Store also upgrades a source of an older schema)
    from emwatch.store import Store

    with Store(dest) as store:
        store.rebuild_em_scores()
    out["seconds"] = round(time.perf_counter() - t0)
    return out


def _md5(text: str) -> str:
    import hashlib

    return hashlib.md5(text.encode()).hexdigest()[:24]


def _counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("runs", "checkpoints", "samples", "judgments", "tasks")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("source", type=Path)
    ap.add_argument("dest", type=Path)
    ap.add_argument("--answers", type=int, default=1_000_000)
    a = ap.parse_args()
    print(grow(a.source, a.dest, a.answers))


if __name__ == "__main__":
    main()
