"""Rows as Arrow tables for DuckDB's bulk scans: typed columns, JSON columns as their text."""

from __future__ import annotations

import json
from typing import Any

from emwatch._lazy import lazy_module

np = lazy_module("numpy")
pd = lazy_module("pandas")    # imported when first used: `emwatch status` never needs it
pa = lazy_module("pyarrow")

JSON_COLUMNS = {"config", "packages", "meta", "messages", "judge_metrics", "judge_kinds", "sampling", "raw", "detail", "target"}


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
    value per cell; a JSON column of texts as it is (stored as given); another JSON column with each distinct
    object encoded once."""
    arrays = {}
    for c in frame.columns:
        col = frame[c]
        if c in JSON_COLUMNS:
            texts = _json_texts(col)
            if texts is not None:
                arrays[c] = texts
                continue
            values: Any = _encode_json_objects(col)
        elif col.dtype != object:
            try:
                arrays[c] = pa.array(col, from_pandas=True)
                continue
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                values = col.tolist()
        else:
            values = col
        try:
            arrays[c] = pa.array(values, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            arrays[c] = pa.array(pd.Series(values, dtype=object).map(lambda v: v if v is None else str(v)))
    return pa.table(arrays)


def _json_texts(col: pd.Series) -> pa.Array | None:
    """A JSON column whose every value is a text or None, as Arrow text (what `_encode_json` keeps as it is);
    None when a value is anything else (a mapping to encode; a NaN, which `_encode_json` writes as NaN)."""
    if col.dtype != object:
        if not pd.api.types.is_string_dtype(col.dtype) or col.isna().any():
            return None
        return pa.array(col, from_pandas=True)
    try:
        return pa.array(col, type=pa.string(), from_pandas=False)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None


def _encode_json_objects(values: pd.Series) -> list[Any]:
    """`_encode_json`, each distinct object once (a million rows holding one sampling mapping): rows grouped by
    the identity of their object with numpy, not by a Python loop."""
    seq = values.tolist()
    ids = np.fromiter(map(id, seq), dtype=np.uintp, count=len(seq))
    _, first, rows = np.unique(ids, return_index=True, return_inverse=True)
    texts = np.array(_encode_json([seq[i] for i in first.tolist()]) + [None], dtype=object)
    return texts[rows.ravel()].tolist()
