"""Schema migrations: a store written by an earlier emwatch is upgraded in place, in the transaction that
opens it, and keeps every key that is still valid, so stages resume on it without duplicates. A read-only open
of an older store names the command that upgrades it: `emwatch upgrade --store S` (`upgrade_store`).

MIGRATIONS[v] upgrades a store of version v to v + 1. The new tables themselves are created by the store
(CREATE TABLE IF NOT EXISTS) before the migrations run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from emwatch.errors import StoreError

from emwatch.store._records import Checkpoint, Judgment, Question, Run, Sample


def refuse_foreign(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A database without emwatch's schema version that holds tables is another tool's: refused, untouched."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables ORDER BY table_name").fetchall()]
    if tables:
        shown = ", ".join(tables[:8]) + (f" and {len(tables) - 8} more" if len(tables) > 8 else "")
        raise StoreError(f"{path}: not an emwatch store: a DuckDB database with table(s) {shown} and no emwatch "
                         "schema version; it was left as it was: give a new file (or an emwatch store)")


def upgrade_store(path: str | Path) -> tuple[int, int]:
    """Upgrade the store at `path` in place to this emwatch's schema: (version found, version now)."""
    from emwatch.store._schema import SCHEMA_VERSION
    from emwatch.store._store import Store

    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path}: no such store")
    found = _version(path)
    Store(path).close()  # opening for writing runs the migrations, in one transaction
    return found, SCHEMA_VERSION


def _version(path: Path) -> int:
    """The schema version a store file records (a StoreError for a file that is not an emwatch store)."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as e:
        raise StoreError(f"{path}: cannot open as a DuckDB store: {str(e).strip().splitlines()[0]}") from None
    try:
        has_meta = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'").fetchall()[0][0]
        rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() if has_meta else []
        if not rows:
            refuse_foreign(con, path)
            raise StoreError(f"{path}: an empty database, not an emwatch store")
        return int(rows[0][0])
    finally:
        con.close()


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
