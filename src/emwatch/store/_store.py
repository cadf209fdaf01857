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
import os
import random
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import duckdb

from emwatch._lazy import lazy_module
from emwatch.errors import StoreError
from emwatch.store._arrow import _frame
from emwatch.store._records import TABLE_ORDER, Record
from emwatch.store._reads import RETRY_REASON, StoreReads
from emwatch.store._schema import SCHEMA_VERSION, TABLES, views

pd = lazy_module("pandas")    # imported when first used: `emwatch status` never needs it
pa = lazy_module("pyarrow")

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


class Store(StoreReads):
    """A DuckDB-backed store. Rows are keyed by content hashes; adding a record whose key exists is a no-op.
    Connections, upgrades and writes live here; the intent-level reads in `StoreReads` (store/_reads.py).

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
                fresh: bool = False, upkeep: bool = True) -> int:
        """Insert rows (dicts, or an Arrow table) skipping stored keys, or replacing them with `replace`, or
        (`fresh`) as new rows, a stored key failing the statement; returns how many were new. `upkeep` False:
        the caller keeps em_scores and em_counts itself (store/_bulk.py, from the rows in hand)."""
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
            if upkeep and table in ("judgments", "samples"):   # what EM rates read, in this transaction (_counts.py)
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


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
