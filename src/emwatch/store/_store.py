"""The result store: one DuckDB file that every stage reads from and writes to.

Stages write typed records (`emwatch.store.Run`, `Checkpoint`, `Question`, `Sample`, `Judgment`, ...) with
`Store.add`, and read through intent-level methods (`checkpoints`, `lacking`, `judge_inputs`, `answers`, ...);
none of them writes SQL against the tables. `Store.query` stays for users who want SQL.

Several processes can share one store file. DuckDB lets one process write a file, or any number read it,
never both at once; so a Store holds no connection between calls: each read opens the file, reads and closes
it, and each `add` opens it, writes one transaction and closes it. A process that finds the file locked by
another waits and tries again, up to `wait` seconds (default `$EMWATCH_STORE_WAIT`, else 60), and then stops
with a StoreError that says so. Schema upgrades and views run once, when the Store is created, not per commit.
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from emwatch._lazy import lazy_module
from emwatch.errors import StoreError
from emwatch.store._judges import JudgeChoice, choose_judges
from emwatch.store._arrow import _decode, _frame
from emwatch.store._records import TABLE_ORDER, Record
from emwatch.store._schema import JUDGE_PAIRS_SQL, SCHEMA_VERSION, TABLES, answers_sql, views

pd = lazy_module("pandas")    # imported when first used: `emwatch status` never needs it
pa = lazy_module("pyarrow")

R = TypeVar("R")
# A judgment whose reason starts so records a failed request, not the judge's answer (emwatch before 0.x stored
# them): it counts as not stored, and a new judgment of the same key replaces it.
RETRY_REASON = "judge error:"
WAIT_ENV = "EMWATCH_STORE_WAIT"
DEFAULT_WAIT = 60.0
_LOCKED = ("Could not set lock", "Conflicting lock")


def default_wait() -> float:
    """Seconds to wait for a store another process holds: $EMWATCH_STORE_WAIT, else 60."""
    raw = os.environ.get(WAIT_ENV)
    if raw is None or not raw.strip():
        return DEFAULT_WAIT
    try:
        value = float(raw)
    except ValueError:
        raise StoreError(f"${WAIT_ENV}={raw!r}: not a number of seconds") from None
    if value < 0:
        raise StoreError(f"${WAIT_ENV}={raw!r}: must not be negative")
    return value


def _reads(method: Callable[..., R]) -> Callable[..., R]:
    """Run a read method on a connection held only for the call."""
    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> R:
        with self._session():
            return method(self, *args, **kwargs)
    return wrapper


class Store:
    """A DuckDB-backed store. Rows are keyed by content hashes; adding a record whose key exists is a no-op.

    >>> with Store("study.duckdb") as store:
    ...     store.add([Run(model="m", dataset="insecure", seed=0, lr=1e-4)])
    ...     frame = store.answers()
    """

    def __init__(self, path: str | Path, *, read_only: bool = False, wait: float | None = None):
        self.path = Path(path)
        self.read_only = read_only
        self.wait = default_wait() if wait is None else float(wait)
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder, not a store file")
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such store")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._con: duckdb.DuckDBPyConnection | None = None
        self._depth = 0
        self._view_metrics: list[str] | None = None
        self.opens = 0  # connections opened so far (the benchmark of reopening per commit reads it)
        self._retry_rows: bool | None = None
        self.fresh_fallbacks = 0  # `write_batch` commits that found a key stored and were written again
        self.rows_read = 0  # rows the planning reads (checkpoint_rows, judge_inputs, stored_keys) fetched so far
        with self._session():
            if not read_only:
                self._upgrade()
            self._check_version()

    # -- connections ----------------------------------------------------------------------------
    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """A connection to the file. Inside a read or a transaction it is that call's connection; outside, one is
        opened and kept until `close()` (holding the file's lock meanwhile: prefer the methods)."""
        if self._con is None:
            self._con = self._open()
        return self._con

    def _open(self) -> duckdb.DuckDBPyConnection:
        """Connect, waiting (with jittered backoff) while another process holds the file's lock."""
        deadline = time.monotonic() + self.wait
        delay = 0.01
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=self.read_only)
                self.opens += 1
                return con
            except duckdb.Error as e:
                locked = any(m in str(e) for m in _LOCKED)
                if not locked:
                    raise StoreError(f"{self.path}: cannot open as a DuckDB store: {_first_line(e)}") from None
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreError(
                        f"{self.path}: the store is in use by another process (waited {self.wait:g} s); "
                        f"try again when it is done, or set ${WAIT_ENV} to wait longer") from None
                time.sleep(min(left, random.uniform(0, delay)))
                delay = min(delay * 2, 0.1)  # a writer lets go between commits: look often

    @contextlib.contextmanager
    def _session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The open connection, or one opened for this call and closed after it (releasing the file)."""
        if self._con is not None:
            yield self._con
            return
        con = self._con = self._open()
        try:
            yield con
        finally:
            self._con = None
            self._let_go(con)

    def _let_go(self, con: duckdb.DuckDBPyConnection) -> None:
        """Close a connection; a writer first brings em_scores up to date (store/_counts.py `flush_on_close`), so
        whoever opens the file next reads the table as it is."""
        try:
            if not self.read_only:
                from emwatch.store._counts import flush_on_close

                flush_on_close(con)
        finally:
            con.close()

    # -- schema ---------------------------------------------------------------------------------
    def _found_version(self) -> int | None:
        has_meta = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta'").fetchall()[0][0]
        if not has_meta:
            return None
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        return int(rows[0][0]) if rows else None

    def _upgrade(self) -> None:
        from emwatch.store._migrate import MIGRATIONS

        found = self._found_version()
        if found is None:
            self._refuse_foreign()
        if found is not None and found > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: store schema version {found} is newer than this emwatch reads "
                             f"({SCHEMA_VERSION}); upgrade emwatch")
        with self.transaction():
            for name, cols in TABLES.items():
                self.con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
            if found is None:
                from emwatch.store._em_counts import rebuild_em_counts

                self.con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
                rebuild_em_counts(self.con)   # empty; records the label rule its counts are for
            else:
                for version in range(found, SCHEMA_VERSION):
                    MIGRATIONS[version](self)
                self.con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
            self._refresh_views()

    def _refuse_foreign(self) -> None:
        from emwatch.store._migrate import refuse_foreign

        refuse_foreign(self.con, self.path)

    def _check_version(self) -> None:
        found = self._found_version()
        if found is None:
            self._refuse_foreign()
        if found != SCHEMA_VERSION:
            hint = ""
            if found is not None and found < SCHEMA_VERSION:
                hint = (f"; upgrade it in place with `emwatch upgrade --store {self.path}` (in Python: open it once "
                        "with Store(path), not read_only)")
            raise StoreError(f"{self.path}: store schema version {found}, this emwatch reads version "
                             f"{SCHEMA_VERSION}{hint}")

    def _refresh_views(self) -> None:
        metrics = self.metrics()
        if metrics == self._view_metrics:
            return
        for name, sql in views(metrics).items():
            self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
        self._view_metrics = metrics

    # -- transactions -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: an exception inside rolls back every row written inside. Nested uses join the
        outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self.con
            finally:
                self._depth -= 1
            return
        with self._session() as con:
            con.execute("BEGIN TRANSACTION")
            self._depth = 1
            try:
                yield con
            except BaseException:
                self._depth = 0
                con.execute("ROLLBACK")
                raise
            self._depth = 0
            con.execute("COMMIT")

    # -- writing -----------------------------------------------------------------------------------
    def add(self, records: Iterable[Record], *, fresh: bool = False) -> dict[str, int]:
        """Write records (any mix of types) in one transaction; returns how many rows were new, per table.
        Records whose key is stored already are skipped (that is how every stage resumes). `fresh`: the caller
        planned the answers and judgments as not stored (see `write_batch`): they go in without a look for
        stored keys, and a stored one stops the transaction with duckdb.ConstraintException."""
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        from emwatch.store._bulk import with_bulk_keys

        records = with_bulk_keys(records)
        by_table: dict[str, dict[str, dict[str, Any]]] = {}
        for rec in records:
            rows = by_table.get(rec.TABLE)
            if rows is None:
                rows = by_table[rec.TABLE] = {}
            key = rec.key
            if key not in rows:  # the first of equal keys wins
                rows[key] = rec.row()
        added: dict[str, int] = {}
        with self.transaction():
            for table in sorted(by_table, key=TABLE_ORDER.index):
                rows = list(by_table[table].values())
                added[table] = self._insert(table, rows, fresh=True) if fresh and table in FRESH_TABLES \
                    else self._insert(table, rows)
            # the file's views name every metric: rebuild them only when a metric they lack arrives
            if set(r["metric"] for r in by_table.get("judgments", {}).values()) - set(self._view_metrics or ()):
                self._refresh_views()
        return added

    def write_batch(self, records: Iterable[Record], tasks: Iterable[Record] = ()) -> dict[str, int]:
        """A job's commit: records and task states (`Task`, as `set_tasks` writes them) in one transaction.
        The writer planned the answers and judgments as lacking, so they go in as new rows: DuckDB's INSERT OR
        IGNORE looks each key up in an index whose cost grows with the table (0.1-0.4 s per commit at a million
        answers, measured), a plain INSERT does not. Should one be stored after all (another writer, a judgment
        stored without its answer), the transaction is rolled back and written again skipping stored keys, so
        the store ends the same either way. Returns the new rows per table, as `add`."""
        records, tasks = list(records), list(tasks)
        if not self._depth:  # in a caller's transaction the fallback could not roll back alone: no fast path
            try:
                with self.transaction():
                    added = self.add(records, fresh=True)
                    self.set_tasks(tasks)
                return added
            except duckdb.ConstraintException:
                self.fresh_fallbacks += 1
                self._view_metrics = None  # views made in the rolled-back transaction went with it
        with self.transaction():
            added = self.add(records)
            self.set_tasks(tasks)
        return added

    def _insert(self, table: str, rows: list[dict[str, Any]] | pa.Table, *, replace: bool = False,
                fresh: bool = False) -> int:
        """Insert rows (dicts, or an Arrow table) skipping stored keys, or replacing them with `replace`, or
        (`fresh`) as new rows, a stored key failing the statement; returns how many were new."""
        if not len(rows):
            return 0
        frame = rows if isinstance(rows, pa.Table) else _frame(rows)
        self.con.register("_emwatch_rows", frame)
        try:
            if table == "judgments" and self._has_retry_rows():
                self.con.execute("DELETE FROM judgments WHERE starts_with(reason, ?) AND judgment_id IN "
                                 "(SELECT judgment_id FROM _emwatch_rows)", [RETRY_REASON])
            col_list = ", ".join(f'"{c}"' for c in frame.column_names)
            if table == "judgments" and self._retry_rows is False and "reason" in frame.column_names:
                # rows an earlier release's format arriving now (an old file's rows copied in): look again
                self._retry_rows = bool(self.con.execute(
                    "SELECT count(*) FROM _emwatch_rows WHERE starts_with(reason, ?)", [RETRY_REASON]).fetchall()[0][0])
            verb = "INSERT OR REPLACE" if replace else "INSERT" if fresh else "INSERT OR IGNORE"
            added = int(self.con.execute(
                f"{verb} INTO {table} ({col_list}) SELECT {col_list} FROM _emwatch_rows").fetchall()[0][0])
            if table in ("judgments", "samples"):   # the table EM rates read, in this transaction (_counts.py)
                from emwatch.store._counts import attach_em_scores, keep_em_scores

                if table == "samples":
                    from emwatch.store._em_counts import mark_checkpoints

                    attach_em_scores(self.con, "_emwatch_rows")
                    mark_checkpoints(self.con, "_emwatch_rows")   # their checkpoints' em_counts change
                elif "metric" in frame.column_names:
                    keep_em_scores(self.con, "_emwatch_rows")
            return added
        finally:
            with contextlib.suppress(duckdb.Error):  # a failed statement aborts the transaction: rolled back above
                self.con.unregister("_emwatch_rows")

    def rebuild_em_scores(self) -> int:
        """Recompute the em_scores table (what EM rates read) from every stored judgment, and em_counts from it, in
        one transaction; returns em_scores' rows. Every write through the Store keeps it already: this is for judgments or answers
        edited with SQL (`store.con.execute("UPDATE judgments ...")`), which the Store does not see."""
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        from emwatch.store._counts import rebuild_em_scores

        with self.transaction():
            return rebuild_em_scores(self.con)

    def _has_retry_rows(self) -> bool:
        """Whether the file holds failed judge requests an earlier release stored (a new judgment of the same key
        replaces them). Looked up once per Store: this release never writes them, so a commit of judgments
        does not scan the whole judgments table for them."""
        if self._retry_rows is None:
            self._retry_rows = bool(self.con.execute(
                "SELECT count(*) FROM (SELECT 1 FROM judgments WHERE starts_with(reason, ?) LIMIT 1)",
                [RETRY_REASON]).fetchall()[0][0])
        return self._retry_rows

    def ingest_answers(self, samples: pd.DataFrame, judgments: pd.DataFrame | None = None) -> dict[str, int]:
        """Answers and their judgments written in bulk, in one transaction, with the keys `Sample` and `Judgment`
        records would get (computed a column at a time: no record per row). `samples`: the samples table's
        columns without `sample_id` (checkpoint_id, question_key, sample_index, sampling as mappings, response,
        ...); `judgments`: the judgments table's columns, `sample_id` replaced by `sample` (the row number of its
        answer in `samples`). Their runs, checkpoints and questions are written first (`add`). Returns the new
        rows per table; stored keys are skipped, as by `add`."""
        from emwatch.store._bulk import ingest_answers

        return ingest_answers(self, samples, judgments)

    def set_tasks(self, tasks: Iterable[Record]) -> None:
        """Write the state of job-graph tasks (`Task` records), replacing an earlier state of the same task:
        unlike `add`, a task's row changes as it runs (pending -> running -> done | failed)."""
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only")
        rows = {t.key: t.row() for t in tasks}
        if not rows:
            return
        with self.transaction():  # one statement: a new task's row, or the new state of a known one
            self._insert("tasks", list(rows.values()), replace=True)

    def tasks(self, study: str | None = None) -> pd.DataFrame:
        """Job-graph tasks (of one study, or all) with their decoded target, status, attempts and error."""
        where = "WHERE study = ?" if study else ""
        df = self.con.execute(f"""SELECT task_id, study, kind, target, status, attempts, error FROM tasks {where}
                                  ORDER BY created_at, task_id""", [study] if study else []).df()
        df["target"] = df["target"].map(lambda v: _decode(v) or {}).astype(object)
        return df

    @_reads
    def task_counts(self, study: str | None = None) -> list[dict[str, Any]]:
        """Job-graph tasks counted per (study, kind, run id of the target, status), with each group's first
        creation time, its latest error of a task not done (`last_error`, ordered by `err_key`) and the run's
        model, kind, dataset, group, seed and lr (for its label). Plain rows, not a DataFrame: `emwatch status`
        reads them without importing pandas."""
        where = "WHERE t.study = ?" if study else ""
        order = "strftime(t.created_at, '%Y-%m-%d %H:%M:%S.%f') || t.task_id"
        live_error = "t.error IS NOT NULL AND t.status <> 'done'"
        cur = self.con.execute(f"""
            WITH t AS (SELECT *, json_extract_string(target, '$.run_id') AS run_id FROM tasks)
            SELECT t.study, t.kind, t.run_id, t.status, count(*) AS n, min(t.created_at) AS first,
                   max({order}) FILTER (WHERE {live_error}) AS err_key,
                   arg_max(t.error, {order}) FILTER (WHERE {live_error}) AS last_error,
                   any_value(r.model) AS run_model, any_value(r.kind) AS run_kind, any_value(r.dataset) AS run_dataset,
                   any_value(r.group_name) AS run_group, any_value(r.seed) AS run_seed, any_value(r.lr) AS run_lr
            FROM t LEFT JOIN runs r ON r.run_id = t.run_id {where}
            GROUP BY t.study, t.kind, t.run_id, t.status""", [study] if study else [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    # -- intent-level reads ------------------------------------------------------------------------------
    @_reads
    def stored_keys(self, table: str, keys: Sequence[str], *, checkpoints: Sequence[str] | None = None) -> set[str]:
        """Which of `keys` are stored in `table` already. `checkpoints`: the keys all belong to the samples (or
        their judgments) of these checkpoints, so only those checkpoints' rows are read (a plan of one
        checkpoint costs that checkpoint's rows, not the store's)."""
        if not keys:
            return set()
        key_column = TABLES_KEYS[table]
        # a failed judge request stored by an earlier release is not a judgment: it stays to be made
        retry = f" AND NOT coalesce(starts_with(reason, '{RETRY_REASON}'), false)" if table == "judgments" else ""
        if checkpoints is not None and table in ("samples", "judgments"):
            cks = list(dict.fromkeys(checkpoints))
            # the checkpoints as constants: DuckDB filters the scan of one column with them, where a join with
            # a registered frame hashes every stored row
            mine = f"SELECT sample_id FROM samples WHERE checkpoint_id IN ({', '.join('?' * len(cks))})"
            sql = mine if table == "samples" else \
                f"SELECT judgment_id FROM judgments WHERE sample_id IN ({mine}){retry}"
            got = self.con.execute(sql, cks).fetchall()
            self.rows_read += len(got)
            wanted = set(keys)
            return {g[0] for g in got if g[0] in wanted}
        frame = pd.DataFrame({"k": list(dict.fromkeys(keys))})
        self.con.register("_emwatch_keys", frame)
        try:
            got = self.con.execute(
                f"SELECT {key_column} FROM {table} WHERE {key_column} IN (SELECT k FROM _emwatch_keys){retry}").fetchall()
        finally:
            self.con.unregister("_emwatch_keys")
        self.rows_read += len(got)
        return {g[0] for g in got}

    def lacking(self, items: Sequence[R], table: str | None = None, *,
                checkpoints: Sequence[str] | None = None) -> list[R]:
        """The items of a plan (records, or a stage's work items: anything with a `key`) whose key `table`
        does not hold yet, in plan order. `table` defaults to the records' own table; `checkpoints`: the plan
        is of these checkpoints only (see `stored_keys`)."""
        if not items:
            return []
        done = self.stored_keys(table or items[0].TABLE, [i.key for i in items], checkpoints=checkpoints)
        return [i for i in items if i.key not in done]

    @_reads
    def checkpoints(self, runs: Sequence[str] | None = None, steps: Sequence[int] | None = None, *,
                    imported: bool = False) -> pd.DataFrame:
        """Checkpoints with their run's model, kind and config (base models always included when filtering),
        ordered by model, kind and step. Imported runs (and imported base answers) are left out unless `imported`."""
        df = self.con.execute(f"""
            SELECT c.checkpoint_id, c.run_id, c.step, c.path, c.meta, c.train_loss, c.heldout_loss, c.total_steps,
                   r.kind, r.model, r.dataset, r.seed, r.lr, r.group_name AS "group", r.config
            FROM checkpoints c JOIN runs r USING (run_id)
            {'' if imported else "WHERE r.kind <> 'import' AND json_extract_string(c.meta, '$.imported_from') IS NULL"}
            ORDER BY r.model, r.kind, c.step""").df()
        for col in ("meta", "config"):
            df[col] = df[col].map(lambda v: _decode(v) if isinstance(v, str) else {}).astype(object)
        if runs:
            df = df[df.run_id.isin(runs) | (df.kind == "base")]
        if steps:
            df = df[df.step.isin(steps) | (df.kind == "base")]
        return df.reset_index(drop=True)

    @_reads
    def checkpoint_rows(self, checkpoint_ids: Sequence[str]) -> pd.DataFrame:
        """The rows `checkpoints()` gives, of these checkpoints only (read by key, not the whole table)."""
        frame = pd.DataFrame({"ck": list(dict.fromkeys(checkpoint_ids))}, dtype=object)
        self.con.register("_emwatch_ck_rows", frame)
        try:
            df = self.con.execute("""
                SELECT c.checkpoint_id, c.run_id, c.step, c.path, c.meta, c.train_loss, c.heldout_loss, c.total_steps,
                       r.kind, r.model, r.dataset, r.seed, r.lr, r.group_name AS "group", r.config
                FROM checkpoints c JOIN runs r USING (run_id)
                WHERE c.checkpoint_id IN (SELECT ck FROM _emwatch_ck_rows)
                ORDER BY r.model, r.kind, c.step""").df()
        finally:
            self.con.unregister("_emwatch_ck_rows")
        self.rows_read += len(df)
        for col in ("meta", "config"):
            df[col] = df[col].map(lambda v: _decode(v) if isinstance(v, str) else {}).astype(object)
        return df

    @_reads
    def checkpoint_keys(self) -> list[tuple[str, str, int]]:
        """(checkpoint id, run id, step) of every checkpoint: the narrow list a job scans for new ones."""
        return [(c, r, int(s or 0)) for c, r, s in self.con.execute(
            "SELECT checkpoint_id, run_id, step FROM checkpoints ORDER BY run_id, step").fetchall()]

    @_reads
    def runs(self) -> pd.DataFrame:
        """Every run with its kind, model, dataset, seed, lr and group."""
        return self.con.execute("""SELECT run_id, kind, model, dataset, seed, lr, group_name AS "group", out_dir
                                   FROM runs ORDER BY model, kind, dataset, seed, lr""").df()

    @_reads
    def judge_inputs(self, checkpoints: Sequence[str] | None = None) -> pd.DataFrame:
        """Every sample (of `checkpoints`, when given: only their rows are read) with what a judge needs:
        response, question messages, the metrics its question asks for (decoded), which of its own prompts ask
        for a verdict (`judge_kinds`, decoded) and the reference answer."""
        where, params = "", []
        if checkpoints is not None:
            params = list(dict.fromkeys(checkpoints))  # constants: a filter on the scan (see stored_keys)
            where = f"WHERE s.checkpoint_id IN ({', '.join('?' * len(params))})" if params else "WHERE false"
        df = self.con.execute(f"""SELECT s.sample_id, s.response, s.reasoning, s.finish_reason, q.messages, q.judge_metrics, q.reference,
                                         q.judge_kinds
                                  FROM samples s JOIN questions q USING (question_key) {where}
                                  ORDER BY s.sample_id""", params).df()
        self.rows_read += len(df)
        # a bank has few questions and a million answers: each question's JSON is decoded once
        messages = {v: _decode(v) for v in df["messages"].unique()} if len(df) else {}
        metrics = {v: (_decode(v) or {}) for v in df["judge_metrics"].unique()} if len(df) else {}
        df["messages"] = df["messages"].map(messages.get)
        df["judge_metrics"] = df["judge_metrics"].map(metrics.get)
        kinds = {v: _decode(v) for v in df["judge_kinds"].unique()} if len(df) else {}   # NULL before schema 6
        df["judge_kinds"] = df["judge_kinds"].map(lambda v: kinds.get(v) if isinstance(kinds.get(v), dict) else {})
        return df

    @_reads
    def metrics(self) -> list[str]:
        """The metric names that have judgments, in name order."""
        return [r[0] for r in self.con.execute("SELECT DISTINCT metric FROM judgments ORDER BY metric").fetchall()]

    @_reads
    def judges(self) -> pd.DataFrame:
        """Judge model and metric with their counts of judgments and of missing scores."""
        return self.con.execute("""SELECT judge_model, metric, count(*) AS n, count(*) - count(score) AS n_missing
                                   FROM judgments GROUP BY ALL ORDER BY ALL""").df()

    @_reads
    def answers(self, *, text: bool = True, judges: Sequence[str] | None = None, declared: Sequence[str] = (),
                judge: Any = None, configured: str | Mapping[str, str] | None = None) -> pd.DataFrame:
        """The tidy answers frame: one row per sample with its grouping keys, the checkpoint's losses, and for
        every metric in the store its score, `<metric>_reason` and `<metric>_label` side by side, each metric's
        from one judge: `judge` (a name, {metric: name} or JudgeChoice), else `configured`, else its only judge;
        two judges of the same answers and none named is a ConfigError listing them (emwatch.store._judges).
        `judges` keeps only those judges before choosing; static analysers always count. `text=False` leaves out
        the response; `declared` adds `declares_any`: whether the question asks for any of these metrics."""
        metrics = self.metrics()
        if isinstance(judge, JudgeChoice):   # chosen already (by the caller, from judge_pairs)
            choice = judge
        else:
            pairs = self.judge_pairs()
            if judges is not None:
                pairs = pairs[pairs["judge_model"].isin(set(judges))]
            choice = choose_judges(pairs, judge, configured)
        sql = answers_sql(metrics, text=text, judges=choice.sql())
        if declared:
            names = ", ".join("'" + m.replace("'", "''") + "'" for m in declared)
            sql = f"""SELECT a.*, coalesce(list_has_any(CASE json_type(q.judge_metrics)
                              WHEN 'OBJECT' THEN json_keys(q.judge_metrics)
                              WHEN 'ARRAY' THEN from_json(q.judge_metrics, '["VARCHAR"]')
                              ELSE []::VARCHAR[] END, [{names}]), false) AS declares_any
                      FROM ({sql}) a JOIN samples s USING (sample_id) JOIN questions q ON q.question_key = s.question_key"""
        return self.con.execute(sql).df()

    @_reads
    def judge_pairs(self) -> pd.DataFrame:
        """Per LLM judge and metric: `n` judged, `n_shared` also judged by another (scanned for 2+ judges only)."""
        pairs = self.judges()
        pairs = pairs[~pairs["judge_model"].astype(str).str.startswith("static:")][["judge_model", "metric", "n"]]
        multi = pairs.duplicated("metric", keep=False)
        shared = self.con.execute(JUDGE_PAIRS_SQL, [sorted(set(pairs.loc[multi, "metric"]))]).df() if multi.any() else None
        return pd.concat([pairs[~multi].assign(n_shared=0), shared], ignore_index=True)

    @_reads
    def rate_counts(self, by: Sequence[str] = (), *, judge: Any = None, configured: Any = None,
                    aligned_below: float = 30.0, coherent_above: float = 50.0, only: Sequence[str] = ()) -> pd.DataFrame:
        """Benchmark answers counted in DuckDB per group of `by` and run (`unit`): `n` scored, `n_excluded`
        (a score missing), `n_misaligned` (config.em_label_sql), `n_coherent` and `n_coherence_asked`. The
        judge per metric is chosen as `answers()` chooses it (`judge`, else `configured`, else the only one;
        two judges of the same answers and none named: ConfigError listing them; a JudgeChoice is used as it
        is). `only`: answer filters ('unwrapped', 'plain'). Read from em_counts where it answers (grouping by a
        checkpoint's or run's keys, the default rule, one judge: store/_em_counts.py), else counted from em_scores
        (store/_counts.py): the same counts either way."""
        from emwatch.store._counts import check_grouping, em_judge_pairs, rate_counts, usable_rule

        check_grouping(by, only)  # a bad key or filter: before any read
        rule = usable_rule(self.con)   # em_counts readable (nothing pending): the judges counted from it too
        choice = judge if isinstance(judge, JudgeChoice) else choose_judges(
            em_judge_pairs(self.con, judge, configured, self.judge_pairs, counted=rule and rule.judges),
            judge, configured)
        return rate_counts(self.con, list(by), choice.sql(), aligned_below, coherent_above, only, rule=rule)


    @_reads
    def imported_answers(self, checkpoint_ids: Sequence[str]) -> pd.DataFrame:
        """The answers of imported runs at these checkpoints, with their question's id, key and messages (JSON
        text), in bank, sample-index and sample-id order: what a CSV import matches a file's rows against."""
        frame = pd.DataFrame({"ck": list(checkpoint_ids)}, dtype=object)
        self.con.register("_emwatch_import_cks", frame)
        try:
            return self.con.execute("""
                SELECT s.sample_id, s.checkpoint_id, s.question_key, q.question_id, q.messages, s.response
                FROM samples s JOIN questions q USING (question_key) JOIN checkpoints c USING (checkpoint_id)
                JOIN runs r USING (run_id)
                WHERE r.kind IN ('import', 'base') AND s.checkpoint_id IN (SELECT ck FROM _emwatch_import_cks)
                ORDER BY q.bank, s.sample_index, s.sample_id""").df()
        finally:
            self.con.unregister("_emwatch_import_cks")

    @_reads
    def texts(self, sample_ids: Sequence[str]) -> pd.DataFrame:
        """The question messages (decoded) and response of each sample."""
        frame = pd.DataFrame({"sid": list(sample_ids)})
        self.con.register("_emwatch_text_ids", frame)
        try:
            df = self.con.execute("""SELECT s.sample_id, q.messages, s.response FROM samples s
                                     JOIN questions q USING (question_key)
                                     WHERE s.sample_id IN (SELECT sid FROM _emwatch_text_ids)""").df()
        finally:
            self.con.unregister("_emwatch_text_ids")
        df["messages"] = df["messages"].map(_decode)
        return df

    @_reads
    def monitor_events(self, run_id: str | None = None) -> pd.DataFrame:
        where = "WHERE run_id = ?" if run_id else ""
        return self.con.execute(f"SELECT * EXCLUDE (created_at) FROM monitor_events {where} ORDER BY run_id, step, signal",
                                [run_id] if run_id else []).df()

    @_reads
    def monitor_names(self) -> list[str]:
        """The monitors that wrote events (e.g. 'em', 'adaptive'), without building a frame."""
        return [r[0] for r in self.con.execute("SELECT DISTINCT monitor FROM monitor_events ORDER BY 1").fetchall()]

    @_reads
    def count(self, table: str) -> int:
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}")
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]

    @_reads
    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Any SQL over the tables and views, as a DataFrame (for users; emwatch's own code reads through the
        methods above)."""
        return self.con.execute(sql, params or []).df()

    df = query  # the name earlier releases used

    @_reads
    def export_parquet(self, out_dir: str | Path) -> list[Path]:
        """Write every table as `<out_dir>/<table>.parquet`; JSON columns stay JSON text."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name in TABLES:
            dest = out / f"{name}.parquet"
            self.con.execute(f"COPY {name} TO '{dest.as_posix()}' (FORMAT PARQUET)")
            written.append(dest)
        return written

    def close(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            self._let_go(con)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# The tables a million answers make big: `write_batch` inserts their planned rows without a look-up per key.
FRESH_TABLES = frozenset({"samples", "judgments"})
TABLES_KEYS = {"meta": "key", "runs": "run_id", "checkpoints": "checkpoint_id", "questions": "question_key",
               "samples": "sample_id", "judgments": "judgment_id", "monitor_events": "event_id", "tasks": "task_id"}


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
