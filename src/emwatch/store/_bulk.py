"""Answers and judgments written in bulk (`Store.ingest_answers`): keys computed a column at a time
(store._keys.sample_keys, judgment_keys: equal to the typed records' keys), rows sent to DuckDB as Arrow tables."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from emwatch.errors import StoreError
from emwatch.store._keys import judgment_key_array, judgment_keys, sample_key_array, sample_keys
from emwatch.store._records import Judgment, Record, Sample
from emwatch.store._arrow import arrow_columns
from emwatch.store._counts import add_em_scores, em_scores_sql, none_judged
from emwatch.store._em_rows import ROWS_SQL, judgments_sql, pivot, samples_sql
from emwatch.store._em_counts import mark_checkpoints


def ingest_answers(store: Any, samples: pd.DataFrame, judgments: pd.DataFrame | None = None) -> dict[str, int]:
    """See `Store.ingest_answers`."""
    if store.read_only:
        raise StoreError(f"{store.path}: opened read-only")
    s = samples.reset_index(drop=True)
    if s["sample_index"].dtype.kind not in "iu":
        s = s.assign(sample_index=_whole_numbers(s["sample_index"]))
    sids = sample_key_array(s["checkpoint_id"], s["question_key"], s["sample_index"], s["sampling"])
    answers_table, answers_kept = _table(s, {"sample_id": sids}, ordered=False)
    tables: dict[str, Any] = {"samples": answers_table}
    em: dict[str, pa.Table | None] = {}   # the new answers' em_scores rows, where a pivot gives them
    if judgments is not None and len(judgments):
        j = judgments.reset_index(drop=True)
        rows = np.asarray(j["sample"])
        if rows.dtype.kind not in "iu" or (len(rows) and (rows.min() < 0 or rows.max() >= len(s))):
            raise ValueError(f"judgments: `sample` must be a row number of `samples` (0 to {len(s) - 1})")
        rows = rows.astype(np.int64, copy=False)  # checked in range above
        at = pa.array(rows)
        js = sids.take(at)
        if "prompt_hash" not in j:
            j = j.assign(prompt_hash=None)
        j = j.drop(columns=["sample"])
        missing = j["score"].isna() & j.get("reason", pd.Series(None, index=j.index)).isna() \
            & j.get("label", pd.Series(None, index=j.index)).isna()
        if missing.any():
            first = j[missing].index[0]
            raise ValueError(f"judgment {j['metric'][first]!r} of sample {js[int(first)].as_py()}: a missing score "
                             "needs a reason")

        def judged() -> Iterator[pa.Table]:
            answers = pa.DictionaryArray.from_arrays(at, sids)  # each answer's id encoded once
            jids = judgment_key_array(answers, j["judge_model"], j["metric"], j["prompt_hash"])
            table, kept = _table(j, {"sample_id": js, "judgment_id": jids}, ordered=True)
            yield table   # handed over first: DuckDB inserts it while the em_scores rows are pivoted
            if answers_kept is None:   # each answer's row is its row in the samples table
                em["rows"] = pivot(answers_table, table, rows if kept is None else rows[kept])

        # the judgments' keys, their order and table are computed in a thread while DuckDB writes the answers,
        # then their em_scores rows while it writes the judgments (the hashing, in DuckDB, and numpy's and Arrow's
        # work let go of the GIL as the insert does)
        tables["judgments"] = _Parts(judged)

    def write(fresh: bool) -> dict[str, int]:
        added = {}
        with store.transaction() as con:
            # new answers with their judgments, none judged before (the common case: an import, a job's
            # answers): their em_scores rows come from the rows in hand, not read back from the tables
            direct = fresh and "judgments" in tables and _registered(
                con, {_NEW["samples"]: tables["samples"]}, lambda: none_judged(con, _NEW["samples"]))
            for table in tables:
                parts = tables[table] if isinstance(tables[table], _Parts) else [tables[table]]
                added[table] = sum(store._insert(table, part, fresh=fresh, upkeep=not direct) for part in parts)
                if isinstance(tables[table], _Parts):
                    tables[table] = pa.concat_tables(tables[table].made)   # every part made: the rows written
            if direct:
                new = {_NEW[t]: tables[t] for t in tables}
                if em.get("rows") is not None:
                    new[_NEW["em"]] = em["rows"]
                _registered(con, new, lambda: _keep_em_tables(con, tables, _NEW["em"] in new))
            if "judgments" in tables and set(pc.unique(tables["judgments"]["metric"]).to_pylist()) \
                    - set(store._view_metrics or ()):
                store._refresh_views()
        return added

    try:
        if not store._depth:  # new keys go in without a look-up each (Store.write_batch); a stored one: again,
            try:              # skipping stored keys
                return write(True)
            except duckdb.ConstraintException:
                store._view_metrics = None
        return write(False)
    finally:
        if isinstance(tables.get("judgments"), _Parts):  # not all read (an error before): let the thread end
            tables["judgments"].join()


_NEW = {"samples": "_emwatch_new_samples", "judgments": "_emwatch_new_judgments", "em": "_emwatch_new_em"}


def _registered(con: duckdb.DuckDBPyConnection, frames: dict[str, pa.Table], then: Callable[[], Any]) -> Any:
    """`then()` with the Arrow tables registered on `con` under their names, unregistered after."""
    try:
        for name, frame in frames.items():
            con.register(name, frame)
        return then()
    finally:
        for name in frames:
            with contextlib.suppress(duckdb.Error):  # a failed statement aborts the transaction: rolled back
                con.unregister(name)


def _keep_em_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table], pivoted: bool) -> None:
    """em_scores and em_counts upkeep of new answers and their judgments (`none_judged`), from the Arrow rows
    just written (registered as _NEW's names): the answers' checkpoints pending for em_counts, their em_scores
    rows written (`pivoted`: the pivot's rows, store/_em_rows.py; else grouped by DuckDB from the rows)."""
    samples = samples_sql(_NEW["samples"])
    mark_checkpoints(con, samples)   # every new answer's checkpoint: its counts change, judged or not
    if pivoted:
        add_em_scores(con, ROWS_SQL.format(rows=_NEW["em"]))
    else:
        add_em_scores(con, em_scores_sql(judgments=judgments_sql(_NEW["judgments"],
                                                                 tables["judgments"].column_names),
                                         samples=samples))


def _whole_numbers(col: pd.Series) -> pd.Series:
    """`sample_index` given as floats, bools or objects, as the integers the table's INTEGER column holds (and
    that the keys are computed from: 2.0 is answer 2, as before); a value that is no whole number is an error."""
    out = []
    for row, v in enumerate(col.tolist()):
        try:
            number = int(v)
            whole = number == v
        except (TypeError, ValueError, OverflowError):
            whole = False
        if not whole:
            raise ValueError(f"samples: row {row}: sample_index {v!r} is not a whole number")
        out.append(number)
    return pd.Series(out, index=col.index, dtype=object)


def _table(frame: pd.DataFrame, keys: dict[str, pa.Array], *, ordered: bool) -> tuple[pa.Table, np.ndarray | None]:
    """The frame's rows and their key columns (the last one the table's own key) as one Arrow table, the first
    row of each key only; in key order if `ordered`. With the frame's row of each table row (None: the same)."""
    kept = _first_of_each_key(list(keys.values())[-1], ordered=ordered)
    table = arrow_columns(frame)  # pandas' text columns are Arrow already: no copy
    for name, col in keys.items():
        table = table.append_column(name, col)
    # Arrow moves the rows (pandas took 1.6x the CPU)
    return (table, None) if kept is None else (table.take(pa.array(kept)), kept)


class _Parts:
    """The tables `make()` yields, made in a thread of their own: iterating gives each as soon as it is made
    (and again on a later iteration: a write retried), then raises what `make` raised, if anything."""

    def __init__(self, make: Callable[[], Iterable[pa.Table]]) -> None:
        self.made: list[pa.Table] = []
        self._done = False
        self._error: BaseException | None = None
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, args=(make,), name="emwatch-keys", daemon=True)
        self._thread.start()

    def _run(self, make: Callable[[], Iterable[pa.Table]]) -> None:
        try:
            for part in make():
                with self._ready:
                    self.made.append(part)
                    self._ready.notify_all()
        except BaseException as err:  # raised to the reader
            self._error = err
        finally:
            with self._ready:
                self._done = True
                self._ready.notify_all()

    def __iter__(self) -> Iterator[pa.Table]:
        i = 0
        while True:
            with self._ready:
                self._ready.wait_for(lambda: i < len(self.made) or self._done)
                if i == len(self.made):
                    if self._error is not None:
                        raise self._error
                    return
                part = self.made[i]
            yield part
            i += 1

    def join(self) -> None:
        self._thread.join()


def _first_of_each_key(keys: pa.Array, *, ordered: bool) -> np.ndarray | None:
    """The row numbers to write, the first of equal keys kept (as `Store.add` keeps the first record of a key),
    in key order if `ordered`; None for every row as it is. DuckDB builds its key index faster from sorted keys
    (400k judgments' insert and commit: 1.4 s of CPU sorted, 1.8-2.1 s not); the answers gained less than moving
    their texts into order cost, so they go in the caller's order."""
    if not ordered:
        if pc.count_distinct(keys).as_py() == len(keys):
            return None
        return np.flatnonzero(~keys.to_pandas().duplicated().to_numpy())
    words = _key_words(keys)
    if words is None:  # not all keys of 24 hex digits (not reached from ingest_answers): Arrow sorts the texts
        first = np.flatnonzero(~keys.to_pandas().duplicated().to_numpy())
        return first[pc.sort_indices(keys.take(pa.array(first))).to_numpy()]
    hi, lo = words
    order = np.argsort(hi, kind="stable")  # the first 16 digits tell 400k random keys apart (0.03 s)
    if len(order) > 1 and (hi[order[1:]] == hi[order[:-1]]).any():  # equal keys (or first 16 digits)
        order = np.lexsort((lo, hi))  # stable: of equal keys, the caller's first comes first
        hi, lo = hi[order], lo[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])
        order = order[new]
    return order


_HEX = np.full(256, 255, dtype=np.uint8)
_HEX[np.frombuffer(b"0123456789", dtype=np.uint8)] = np.arange(10)
_HEX[np.frombuffer(b"abcdef", dtype=np.uint8)] = np.arange(10, 16)


def _key_words(keys: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """Keys of 24 lowercase hex digits (what store._keys makes) as two integers each, the first 16 digits and
    the last 8, so numpy sorts them in the order of the texts (a string sort of 400k keys cost 0.13-0.3 s);
    None when a key is anything else."""
    n = len(keys)
    if keys.type != pa.string() or keys.null_count:
        return None
    _, offsets, data = keys.buffers()
    ends = np.frombuffer(offsets, dtype=np.int32)[keys.offset:keys.offset + n + 1]
    if n == 0 or not (np.diff(ends) == 24).all():
        return None
    digits = _HEX[np.frombuffer(data, dtype=np.uint8)[ends[0]:ends[-1]]].reshape(n, 24)
    if (digits == 255).any():
        return None
    packed = (digits[:, 0::2] << 4) | digits[:, 1::2]  # (n, 12) bytes, big-endian
    return (packed[:, :8].copy().view(">u8").ravel().astype(np.uint64),
            packed[:, 8:].copy().view(">u4").ravel().astype(np.uint32))


def with_bulk_keys(records: Iterable[Record]) -> list[Record]:
    """The records, the keys of many answers and judgments computed a column at a time (store._keys: the same
    keys as each record's own, tested key for key) and kept on the records, as each would keep its own."""
    records = list(records)
    if len(records) < 256:
        return records
    todo = [r for r in records if type(r) is Sample and "key" not in r.__dict__]
    if todo:
        keys = sample_keys([r.checkpoint_id for r in todo], [r.question_key for r in todo],
                           [r.sample_index for r in todo], [r.sampling for r in todo])
        for r, k in zip(todo, keys):
            r.__dict__["key"] = k  # a frozen record's cached key (functools.cached_property keeps it there)
    todo = [r for r in records if type(r) is Judgment and "key" not in r.__dict__]
    if todo:
        keys = judgment_keys([r.sample_id for r in todo], [r.judge_model for r in todo], [r.metric for r in todo],
                             [r.prompt_hash for r in todo])
        for r, k in zip(todo, keys):
            r.__dict__["key"] = k
    return records
