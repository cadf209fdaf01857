"""The result store: one DuckDB file that every stage reads from and writes to."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from emwatch.store._schema import SCHEMA_VERSION, TABLES, VIEWS

JSON_COLUMNS = {"config", "packages", "meta", "messages", "judge_metrics", "sampling", "raw"}


from emwatch.errors import StoreError  # noqa: E402  (re-exported)


class Store:
    """A DuckDB-backed store. Rows are keyed by content hashes; inserts of existing keys are no-ops.

    >>> store = Store("study.duckdb")
    >>> store.df("SELECT model, count(*) AS n FROM answers GROUP BY model")
    """

    def __init__(self, path: str | Path, *, read_only: bool = False):
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"{self.path}: no such store")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as e:  # pragma: no cover - depends on the file
            raise StoreError(f"{self.path}: cannot open as a DuckDB store: {e}") from e
        if not read_only:
            self._migrate()
        self._check_version()

    # -- schema ---------------------------------------------------------------------------------
    def _migrate(self) -> None:
        with self.transaction():
            for name, cols in TABLES.items():
                self.con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
            for name, sql in VIEWS.items():
                self.con.execute(f"CREATE OR REPLACE VIEW {name} AS {sql}")
            self.con.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
            )

    def _check_version(self) -> None:
        rows = self.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
        row = rows[0] if rows else None
        found = int(row[0]) if row else None
        if found != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema version {found}, this emwatch reads version {SCHEMA_VERSION}"
            )

    # -- transactions -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All-or-nothing: an exception inside rolls back every row written inside."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # -- writing -----------------------------------------------------------------------------------
    def insert(self, table: str, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert rows, ignoring those whose key exists already. Returns how many were new."""
        rows = [dict(r) for r in rows]
        if not rows:
            return 0
        if table not in TABLES:
            raise KeyError(f"unknown table {table!r}")
        cols = list(rows[0])
        frame = pd.DataFrame(
            [{c: _encode(c, r.get(c)) for c in cols} for r in rows], columns=cols
        ).astype(object)
        before = self.count(table)
        self.con.register("_emwatch_rows", frame)
        try:
            col_list = ", ".join(f'"{c}"' for c in cols)
            self.con.execute(
                f"INSERT OR IGNORE INTO {table} ({col_list}) SELECT {col_list} FROM _emwatch_rows"
            )
        finally:
            self.con.unregister("_emwatch_rows")
        return self.count(table) - before

    def existing(self, table: str, key_column: str, keys: Sequence[str]) -> set[str]:
        """Which of `keys` are already in `table` (the resume check every stage makes)."""
        if not keys:
            return set()
        frame = pd.DataFrame({"k": list(keys)})
        self.con.register("_emwatch_keys", frame)
        try:
            got = self.con.execute(
                f"SELECT {key_column} FROM {table} WHERE {key_column} IN (SELECT k FROM _emwatch_keys)"
            ).fetchall()
        finally:
            self.con.unregister("_emwatch_keys")
        return {g[0] for g in got}

    # -- reading -----------------------------------------------------------------------------------
    def count(self, table: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]

    def df(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

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
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _encode(column: str, value: Any) -> Any:
    if column in JSON_COLUMNS and value is not None and not isinstance(value, str):
        return json.dumps(value, sort_keys=True, default=str)
    return value
