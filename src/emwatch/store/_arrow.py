"""Rows as Arrow tables for DuckDB's bulk scans: typed columns, JSON columns as their text."""

from __future__ import annotations

import json
from typing import Any

from emwatch._lazy import lazy_module

pd = lazy_module("pandas")    # imported when first used: `emwatch status` never needs it
pa = lazy_module("pyarrow")

JSON_COLUMNS = {"config", "packages", "meta", "messages", "judge_metrics", "sampling", "raw", "detail", "target"}


def _frame(rows: list[dict[str, Any]]) -> pa.Table:
    """The rows as an Arrow table, one typed column each (JSON columns as their text): DuckDB scans it in bulk,
    where an object-typed DataFrame costs a Python conversion per cell. A column Arrow cannot type (mixed
    kinds of values, say) goes as Python objects instead, which DuckDB converts as before."""
    cols = list(rows[0])
    arrays = {}
    for c in cols:
        values = [r.get(c) for r in rows]
        if c in JSON_COLUMNS:
            values = _encode_json(values)
        try:
            arrays[c] = pa.array(values)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            arrays[c] = pa.array(pd.Series(values, dtype=object).map(lambda v: v if v is None else str(v)))
    return pa.table(arrays)


def _encode_json(values: list[Any]) -> list[Any]:
    """JSON text of each value (texts and None as they are). Rows often repeat one small mapping (the
    sampling parameters of a million samples): those are encoded once, looked up by their items and types."""
    out: list[Any] = []
    seen: dict[tuple, str] = {}
    for v in values:
        if v is None or isinstance(v, str):
            out.append(v)
            continue
        memo = None
        if type(v) is dict and len(v) <= 16:
            try:
                memo = tuple((k, type(x), repr(x) if type(x) is float else x) for k, x in v.items())
                hit = seen.get(memo)
            except TypeError:  # a nested list or mapping: not hashable
                memo = hit = None
            if hit is not None:
                out.append(hit)
                continue
        text = json.dumps(v, sort_keys=True, default=str)
        if memo is not None:
            seen[memo] = text
        out.append(text)
    return out


def _decode(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def arrow_columns(frame: pd.DataFrame) -> pa.Table:
    """A DataFrame as an Arrow table the way `_frame` types rows (JSON columns as their text; NaN as NULL),
    converted a column at a time: a typed column (numbers, pandas texts) by Arrow itself, without a Python
    value per cell; a JSON column with each distinct object encoded once."""
    arrays = {}
    for c in frame.columns:
        col = frame[c]
        if c in JSON_COLUMNS:
            values: Any = _encode_json_objects(col.tolist())
        elif col.dtype != object:
            try:
                arrays[c] = pa.array(col, from_pandas=True)
                continue
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                values = col.tolist()
        else:
            values = col.tolist()
        try:
            arrays[c] = pa.array(values, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            arrays[c] = pa.array(pd.Series(values, dtype=object).map(lambda v: v if v is None else str(v)))
    return pa.table(arrays)


def _encode_json_objects(values: list[Any]) -> list[Any]:
    """`_encode_json`, each distinct object once (a million rows holding one sampling mapping)."""
    by_object: dict[int, Any] = {}
    out = []
    for v in values:
        if v is None or type(v) is str:  # stored as it is
            out.append(v)
            continue
        got = by_object.get(id(v), by_object)
        if got is by_object:
            got = by_object[id(v)] = _encode_json([v])[0]
        out.append(got)
    return out
