"""Schema migrations: a store written by an earlier emwatch is upgraded in place, in the transaction that
opens it, and keeps every key that is still valid, so stages resume on it without duplicates. A read-only open
of an older store names the command that upgrades it: `emwatch upgrade --store S` (`upgrade_store`).

MIGRATIONS[v] upgrades a store of version v to v + 1. The new tables themselves are created by the store
(CREATE TABLE IF NOT EXISTS) before the migrations run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
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


def _v3_to_v4(store: Any) -> None:
    """Version 4 keeps `em_scores`: each answer's aligned/coherent judgments side by side per judge, with the
    answer's checkpoint and question, so EM rates need no join of judgments with answers (store/_counts.py).
    Filled here from every stored judgment; from now on every write keeps it (Store._insert)."""
    store.rebuild_em_scores()


def _v4_to_v5(store: Any) -> None:
    """Version 5 keeps `em_counts`: EM counts per checkpoint, judge and answer filter for the default label rule,
    so a rate by checkpoint keys reads a few rows per checkpoint (store/_em_counts.py). Filled here from
    em_scores (the answers a killed writer left pending recomputed first) and the answers."""
    from emwatch.store._counts import flush_em_scores
    from emwatch.store._em_counts import rebuild_em_counts

    flush_em_scores(store.con)
    rebuild_em_counts(store.con)


def _v5_to_v6(store: Any) -> None:
    """Version 6 records which of a question's own judge prompts ask for a verdict (`questions.judge_kinds`,
    appended last). The original EM evaluation's free_form_judge questions (verdict_questions.yaml, by id) get
    "verdict" for each own template they give (never aligned/coherent); every other question gets none: its
    prompts are 0-100 scores, as before."""
    from emwatch.store._import import _verdict_ids

    cols = {r[0] for r in store.con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'questions'").fetchall()}
    if "judge_kinds" not in cols:
        store.con.execute("ALTER TABLE questions ADD COLUMN judge_kinds JSON")
    rows = store.con.execute("SELECT question_key, judge_metrics FROM questions WHERE question_id IN "
                             "(SELECT unnest(?))", [sorted(_verdict_ids())]).fetchall()
    for key, metrics in rows:
        kinds = {m: "verdict" for m, t in (_json(metrics) or {}).items() if t and m not in ("aligned", "coherent")}
        if kinds:
            store.con.execute("UPDATE questions SET judge_kinds = ? WHERE question_key = ?", [json.dumps(kinds), key])


def present_runs(store: Any, run_ids: Sequence[str]) -> set[str]:
    """Which of `run_ids` the store holds."""
    ids = sorted(set(run_ids))
    if not ids:
        return set()
    rows = store.con.execute("SELECT run_id FROM runs WHERE run_id IN (SELECT unnest(?))", [ids]).fetchall()
    return {r[0] for r in rows}


def rekey_runs(store: Any, mapping: dict[str, str]) -> dict[str, int]:
    """Give runs new ids ({old id: new id}), with everything keyed under them: their checkpoints (keyed by run and
    step), those checkpoints' answers, the answers' judgments, the runs' monitor events and the job's tasks that
    name them. Every old key is first recomputed from its row and must equal the stored one (a row keyed some
    other way is not guessed at: StoreError, nothing written); then all rows move in one transaction. An old id
    the store does not hold, or whose new id it holds already, is left alone. Returns rows moved per table.

    Used when the run-id recipe changes (train._runs.RUN_ID_VERSION): the planner knows each run's old and new
    ids from its recipe, and re-keys what an earlier emwatch stored (train._runs.adopt_legacy)."""
    from emwatch.store._keys import judgment_keys, sample_keys
    from emwatch.store._records import MonitorEvent, Task

    con = store.con
    held = present_runs(store, list(mapping) + list(mapping.values()))
    mapping = {old: new for old, new in mapping.items() if old in held and new not in held and old != new}
    moved = {t: 0 for t in ("runs", "checkpoints", "samples", "judgments", "monitor_events", "tasks")}
    if not mapping:
        return moved
    with store.transaction():
        olds = sorted(mapping)
        cks = con.execute("SELECT checkpoint_id, run_id, step FROM checkpoints WHERE run_id IN (SELECT unnest(?))",
                          [olds]).fetchall()
        ck_map = {}
        for ck_id, run_id, step in cks:
            _same(ck_id, Checkpoint(run_id=run_id, step=step).key, "checkpoints", "checkpoint_id")
            ck_map[ck_id] = (Checkpoint(run_id=mapping[run_id], step=step).key, mapping[run_id])
        # narrow columns, fetched as Python values (no answer text leaves the database)
        s_ids, s_cks, s_qs, s_idx, s_smp = _columns(con.execute(
            """SELECT sample_id, checkpoint_id, question_key, sample_index, sampling FROM samples
               WHERE checkpoint_id IN (SELECT unnest(?))""", [sorted(ck_map)]).fetchall(), 5)
        samplings = [_json(v) or {} for v in s_smp]
        for got, want in zip(s_ids, sample_keys(s_cks, s_qs, s_idx, samplings)):
            _same(got, want, "samples", "sample_id")
        s_map = dict(zip(s_ids, sample_keys([ck_map[c][0] for c in s_cks], s_qs, s_idx, samplings)))
        j_ids, j_sids, *j_rest = _columns(con.execute(
            """SELECT judgment_id, sample_id, judge_model, metric, prompt_hash FROM judgments
               WHERE sample_id IN (SELECT unnest(?))""", [list(s_map)]).fetchall(), 5)
        for got, want in zip(j_ids, judgment_keys(j_sids, *j_rest)):
            _same(got, want, "judgments", "judgment_id")
        j_map = dict(zip(j_ids, judgment_keys([s_map[s] for s in j_sids], *j_rest)))
        events = con.execute("""SELECT event_id, run_id, step, monitor, signal FROM monitor_events
                                WHERE run_id IN (SELECT unnest(?))""", [olds]).fetchall()
        e_map = {}
        for ev_id, run_id, step, monitor, signal in events:
            ev = MonitorEvent(run_id=run_id, step=step, monitor=monitor, signal=signal)
            _same(ev_id, ev.key, "monitor_events", "event_id")
            e_map[ev_id] = (MonitorEvent(run_id=mapping[run_id], step=step, monitor=monitor, signal=signal).key,
                            mapping[run_id])
        t_map = {}
        for task_id, study, kind, target in con.execute("SELECT task_id, study, kind, target FROM tasks").fetchall():
            target = _json(target) or {}
            if target.get("run_id") not in mapping and target.get("checkpoint_id") not in ck_map:
                continue
            _same(task_id, Task(study=study, kind=kind, target=target).key, "tasks", "task_id")
            new_target = dict(target)
            if target.get("run_id") in mapping:
                new_target["run_id"] = mapping[target["run_id"]]
            if target.get("checkpoint_id") in ck_map:
                new_target["checkpoint_id"] = ck_map[target["checkpoint_id"]][0]
            t_map[task_id] = (Task(study=study, kind=kind, target=new_target).key, json.dumps(new_target))

        # every new key is computed, and every old one checked, before any row moves
        moved["judgments"] = _move(con, "judgments", "judgment_id", j_map,
                                   {"sample_id": {j: s_map[s] for j, s in zip(j_ids, j_sids)}})
        moved["samples"] = _move(con, "samples", "sample_id", s_map,
                                 {"checkpoint_id": {s: ck_map[c][0] for s, c in zip(s_ids, s_cks)}})
        moved["checkpoints"] = _move(con, "checkpoints", "checkpoint_id", {k: v[0] for k, v in ck_map.items()},
                                     {"run_id": {k: v[1] for k, v in ck_map.items()}})
        moved["monitor_events"] = _move(con, "monitor_events", "event_id", {k: v[0] for k, v in e_map.items()},
                                        {"run_id": {k: v[1] for k, v in e_map.items()}})
        moved["tasks"] = _move(con, "tasks", "task_id", {k: v[0] for k, v in t_map.items()},
                               {"target": {k: v[1] for k, v in t_map.items()}})
        moved["runs"] = _move(con, "runs", "run_id", mapping, {})
        _rekey_em_scores(con, s_map, list(ck_map) + [v[0] for v in ck_map.values()])
    return moved


def _rekey_em_scores(con: duckdb.DuckDBPyConnection, s_map: dict[str, str], checkpoints: list[str]) -> None:
    """em_scores after answers moved to new keys ({old: new}): the old keys' rows go, the new keys' rows are
    computed from the judgments that moved with them; the em_counts of `checkpoints` (those the answers left and
    those they came to) are pending."""
    from emwatch.store._counts import refresh_em_scores
    from emwatch.store._em_counts import mark_checkpoints

    if checkpoints:
        con.register("_emwatch_ck_moved", pd.DataFrame({"checkpoint_id": checkpoints}, dtype=object))
        try:
            mark_checkpoints(con, "_emwatch_ck_moved")
        finally:
            con.unregister("_emwatch_ck_moved")
    if not s_map:
        return
    con.register("_emwatch_em_moved", pd.DataFrame({"sample_id": list(s_map) + list(s_map.values())}))
    try:
        refresh_em_scores(con, "_emwatch_em_moved")
    finally:
        con.unregister("_emwatch_em_moved")


def _columns(rows: list[tuple], n: int) -> list[list]:
    """Rows as `n` column lists (empty lists for no rows)."""
    return [list(c) for c in zip(*rows)] if rows else [[] for _ in range(n)]


def _same(stored: str, computed: str, table: str, column: str) -> None:
    if stored != computed:
        raise StoreError(f"{table}: row {column}={stored} is not keyed as this emwatch keys it (recomputed: "
                         f"{computed}); its run cannot be re-keyed safely, so nothing was changed")


def _move(con: duckdb.DuckDBPyConnection, table: str, key: str, new_keys: dict[str, str],
          columns: dict[str, dict[str, Any]]) -> int:
    """Rows of `table` keyed by `new_keys`' old keys, inserted again under the new keys (with `columns` set from
    their maps, by old key), then the old rows deleted: in SQL, so no answer text passes through Python."""
    if not new_keys:
        return 0
    frame = pd.DataFrame({"_old": list(new_keys), "_new": list(new_keys.values()),
                          **{f"_c_{c}": [m[k] for k in new_keys] for c, m in columns.items()}})
    names = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                       "ORDER BY ordinal_position", [table]).fetchall()]
    select = ", ".join("m._new" if c == key else f'm."_c_{c}"' if c in columns else f't."{c}"' for c in names)
    cols = ", ".join(f'"{c}"' for c in names)
    con.register("_emwatch_rekey", frame)
    try:
        con.execute(f'INSERT INTO {table} ({cols}) SELECT {select} FROM {table} t JOIN _emwatch_rekey m '
                    f'ON t."{key}" = m._old')
        con.execute(f'DELETE FROM {table} WHERE "{key}" IN (SELECT _old FROM _emwatch_rekey)')
    finally:
        con.unregister("_emwatch_rekey")
    return len(new_keys)


def _none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else v


def _int(v: Any) -> int | None:
    v = _none(v)
    return None if v is None else int(v)


def _json(v: Any) -> Any:
    return json.loads(v) if isinstance(v, str) else v


MIGRATIONS: dict[int, Callable[[Any], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6}
