"""Schema migrations: a store written by an earlier emwatch is upgraded in place, in the transaction that
opens it, and keeps every key that is still valid, so stages resume on it without duplicates.

MIGRATIONS[v] upgrades a store of version v to v + 1. The new tables themselves are created by the store
(CREATE TABLE IF NOT EXISTS) before the migrations run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from emwatch.store._records import Checkpoint, Judgment, Question, Run, Sample


def _v1_to_v2(store: Any) -> None:
    """Version 1 keyed imported rows its own way: a question by (bank, id, text), a sample by its response,
    a judgment without the judge-prompt hash, a run by a dict of its fields. Version 2 keys every row through
    the typed records, whoever writes it. Re-key the imported rows (emwatch's own rows keep their keys: the
    records compute the same keys the stages did)."""
    con = store.con
    runs = con.execute("SELECT * FROM runs WHERE kind = 'import'").df()
    if runs.empty:
        return
    run_map = {r.run_id: Run.imported(r.model, dataset=_none(r.dataset), seed=_int(r.seed), group=_none(r.group_name),
                                      source=(_json(r.config) or {}).get("source")).key for r in runs.itertuples()}
    cks = con.execute("SELECT * FROM checkpoints WHERE run_id IN (SELECT run_id FROM runs WHERE kind = 'import')").df()
    ck_map = {c.checkpoint_id: Checkpoint(run_id=run_map[c.run_id], step=_int(c.step)).key for c in cks.itertuples()}
    samples = con.execute("""SELECT * FROM samples WHERE checkpoint_id IN (
        SELECT checkpoint_id FROM checkpoints WHERE run_id IN (SELECT run_id FROM runs WHERE kind = 'import'))""").df()
    qkeys = sorted(set(samples["question_key"]))
    questions = con.execute("SELECT * FROM questions WHERE question_key IN (SELECT unnest(?))", [qkeys]).df()
    q_map = {q.question_key: Question(bank=q.bank, question_id=q.question_id, messages=_json(q.messages),
                                      category=_none(q.category), variant=_none(q.variant), wrapper=_none(q.wrapper),
                                      paraphrase_index=_int(q.paraphrase_index)).key for q in questions.itertuples()}
    new_samples = {}
    for s in samples.itertuples():
        sampling = Sample.imported_sampling(_none(s.response))
        new_samples[s.sample_id] = (Sample(checkpoint_id=ck_map[s.checkpoint_id], question_key=q_map[s.question_key],
                                           sample_index=int(s.sample_index), sampling=sampling).key, sampling)
    judgments = con.execute("SELECT * FROM judgments WHERE sample_id IN (SELECT unnest(?))",
                            [sorted(new_samples)]).df()
    j_map = {j.judgment_id: Judgment(sample_id=new_samples[j.sample_id][0], judge_model=j.judge_model, metric=j.metric,
                                     prompt_hash=_none(j.prompt_hash), score=1.0).key for j in judgments.itertuples()}

    def replace(table: str, frame: pd.DataFrame, **columns: list) -> None:
        """Delete `frame`'s rows (by its key, the first column) and insert them again with `columns` replaced."""
        if frame.empty:
            return
        key_col = frame.columns[0]
        con.register("_emwatch_old_keys", pd.DataFrame({"k": frame[key_col]}))
        con.execute(f"DELETE FROM {table} WHERE {key_col} IN (SELECT k FROM _emwatch_old_keys)")
        con.unregister("_emwatch_old_keys")
        new = frame.assign(**columns).astype(object)
        con.register("_emwatch_rekeyed", new)
        cols = ", ".join(f'"{c}"' for c in new.columns)
        con.execute(f"INSERT OR IGNORE INTO {table} ({cols}) SELECT {cols} FROM _emwatch_rekeyed")
        con.unregister("_emwatch_rekeyed")

    # every new column is computed from the old keys before any row is replaced
    replace("judgments", judgments, judgment_id=[j_map[k] for k in judgments["judgment_id"]],
            sample_id=[new_samples[k][0] for k in judgments["sample_id"]])
    replace("samples", samples, sample_id=[new_samples[k][0] for k in samples["sample_id"]],
            checkpoint_id=[ck_map[k] for k in samples["checkpoint_id"]],
            question_key=[q_map[k] for k in samples["question_key"]],
            sampling=[json.dumps(new_samples[k][1], sort_keys=True) for k in samples["sample_id"]])
    replace("questions", questions, question_key=[q_map[k] for k in questions["question_key"]])
    replace("checkpoints", cks, checkpoint_id=[ck_map[k] for k in cks["checkpoint_id"]],
            run_id=[run_map[k] for k in cks["run_id"]])
    replace("runs", runs, run_id=[run_map[k] for k in runs["run_id"]])


def _v2_to_v3(store: Any) -> None:
    """Version 3 keeps a reasoning model's thoughts apart from its final answer: a nullable `reasoning`
    column on samples (appended last, where ALTER TABLE puts it, so old and new stores have one column
    order). Earlier samples keep their keys and get NULL: they were stored as the whole decoded text."""
    cols = {r[0] for r in store.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'samples'").fetchall()}
    if "reasoning" not in cols:
        store.con.execute("ALTER TABLE samples ADD COLUMN reasoning VARCHAR")


def _none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else v


def _int(v: Any) -> int | None:
    v = _none(v)
    return None if v is None else int(v)


def _json(v: Any) -> Any:
    return json.loads(v) if isinstance(v, str) else v


MIGRATIONS: dict[int, Callable[[Any], None]] = {1: _v1_to_v2, 2: _v2_to_v3}
