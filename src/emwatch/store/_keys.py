"""Content-hash keys: every row id is a hash of everything that changes the row's content."""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from emwatch._lazy import lazy_module

# imported when first used (the bulk keys): `emwatch status` imports the store without them
np = lazy_module("numpy")
pd = lazy_module("pandas")
pa = lazy_module("pyarrow")
pc = lazy_module("pyarrow.compute")

# The version of the key recipe, not of the schema: a schema migration keeps every existing key valid, so a
# store written before the migration resumes without duplicates. Bump only when the recipe below changes.
KEY_VERSION = 1

# The string encoder json.dumps(..., ensure_ascii=False) itself uses (its C version where built).
_json_str = json.encoder.encode_basestring  # type: ignore[attr-defined]


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace, so equal content gives equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _part_json(value: Any) -> str:
    """canonical_json(value), without json.dumps's setup cost for the scalars most key parts are (a million
    answers are three million keys). Gives exactly the same text; anything else goes through canonical_json."""
    kind = type(value)
    if kind is str:
        return _json_str(value)
    if value is None:
        return "null"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if math.isfinite(value):
            return float.__repr__(value)
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if kind is dict:
        return _dict_json(value)
    return canonical_json(value)


_DICT_MEMO: dict[tuple, str] = {}


def _dict_json(value: dict) -> str:
    """canonical_json of a mapping, remembered for flat ones: a million samples share a few sampling settings.
    The memo key holds each item's types (1, 1.0 and True are equal in Python, not in JSON) and floats' repr
    (0.0 == -0.0)."""
    try:
        memo = tuple((type(k), k, type(x), float.__repr__(x) if type(x) is float else x) for k, x in value.items())
        text = _DICT_MEMO.get(memo)
    except TypeError:  # a nested list or mapping: not hashable, not remembered
        return canonical_json(value)
    if text is None:
        if len(_DICT_MEMO) >= 4096:
            _DICT_MEMO.clear()
        text = _DICT_MEMO[memo] = canonical_json(value)
    return text


def content_key(kind: str, *parts: Any) -> str:
    """A 24-hex-digit key for a row of table `kind`, from its identifying content and the key version: the
    sha256 of 'emwatch/<version>/<kind>' followed by each part's canonical JSON, each after a 0x1f byte."""
    text = f"emwatch/{KEY_VERSION}/{kind}\x1f" + "\x1f".join(map(_part_json, parts)) if parts \
        else f"emwatch/{KEY_VERSION}/{kind}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def bulk_keys(kind: str, *columns: Sequence[Any]) -> list[str]:
    """`content_key(kind, *parts)` of every row of `columns` (one sequence per part, all of one length): the same
    keys, computed a column at a time (what ingesting a million answers costs): each column's JSON text built by
    Arrow (a distinct value encoded once), the texts joined by Arrow, then one sha256 per row."""
    return _sha24(_joined(kind, [_column_json(col) for col in columns])).to_pylist()


def _joined(kind: str, parts: Sequence[pa.Array]) -> pa.Array:
    """Each row's key text: 'emwatch/<version>/<kind>', then each part's canonical JSON (`parts`: a column's
    JSON texts, from _column_json) after a 0x1f byte."""
    if not parts:
        return pa.array([], pa.string())
    return pc.binary_join_element_wise(f"emwatch/{KEY_VERSION}/{kind}", *parts, "\x1f")


def _sha24(texts: pa.Array) -> pa.Array:
    """The first 24 hex digits of the sha256 of each text's UTF-8 bytes (what content_key hashes), as Arrow text.
    Hashed by DuckDB's `sha256` (the same digest of the same bytes; tested key for key against hashlib's): about
    the CPU of a hashlib call per row (0.14 s against 0.15 s for 200,000 answers' texts), but on both cores and
    without the GIL, so an ingest's Python work (the other keys, the columns) runs beside it."""
    rows = _hash_connection().from_arrow(pa.table({"t": texts}))
    return rows.project("substr(sha256(t), 1, 24) AS k").to_arrow_table().column("k").combine_chunks() \
        .cast(pa.string())


_HASHERS = threading.local()
_HASH_DB: Any = None  # one in-memory DuckDB for the process; each thread hashes through its own cursor on it
_HASH_DB_LOCK = threading.Lock()


def _hash_connection() -> Any:
    """This thread's cursor on the process's in-memory DuckDB for hashing (a connection serves one thread at a
    time; a new database costs 20-30 ms, a cursor on it 20 µs, and an ingest hashes in a new thread each call)."""
    global _HASH_DB
    con = getattr(_HASHERS, "con", None)
    if con is None:
        with _HASH_DB_LOCK:
            if _HASH_DB is None:
                import duckdb

                _HASH_DB = duckdb.connect(":memory:")
            con = _HASHERS.con = _HASH_DB.cursor()
    return con


def _by_object(values: Sequence[Any]) -> tuple[list[Any], pa.Array]:
    """The distinct objects of a column, told apart by identity (a million rows holding one sampling mapping hold
    one object), and each row's index into them: rows are grouped by numpy, not by a Python loop."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        seq = values.to_pylist()
    else:
        seq = values.tolist() if isinstance(values, (pd.Series, np.ndarray)) else list(values)
    ids = np.fromiter(map(id, seq), dtype=np.uintp, count=len(seq))
    _, first, rows = np.unique(ids, return_index=True, return_inverse=True)
    return [seq[i] for i in first.tolist()], pa.array(rows.astype(np.int64).ravel())


_NEEDS_ESCAPE = r'[\x00-\x1f"\\]'  # what json's encode_basestring escapes (non-ASCII stays as it is)


def _column_json(values: Sequence[Any], *, text: bool = False) -> pa.Array:
    """_part_json of each row's value (a list's item, a numpy or pandas column's `tolist()`, an Arrow column's
    `to_pylist()`; with `text` a NaN is a missing text: None) as an Arrow text column. A column of texts and
    None is quoted by Arrow, each distinct text once (only those that need escaping going through Python); an
    Arrow dictionary column, each dictionary value once; a numpy or pandas column of integers is cast by Arrow;
    any other column (a list of numbers among them: numpy would make True and 1.0 the integer 1, where a key
    writes true and 1.0) is encoded a distinct object at a time (a million samples share a few sampling
    mappings)."""
    if isinstance(values, pa.ChunkedArray) and pa.types.is_dictionary(values.type):
        values = values.combine_chunks()
    if isinstance(values, pa.DictionaryArray):  # e.g. each judgment's answer id: the answers' ids and a row each
        return pc.fill_null(_column_json(values.dictionary, text=text).take(values.indices), "null")
    if isinstance(values, pd.Series) and isinstance(values.dtype, np.dtype):
        values = values.to_numpy()  # a numpy-typed column as its array; a pandas text column stays a Series
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        return pc.cast(pa.array(values), pa.string())  # each as the Python int it holds, uint64 included
    texts = _as_text_array(values, text)
    if texts is not None:
        coded = texts.dictionary_encode()  # a few judges, metrics, checkpoints: each quoted once (0.03 s -> 0.007 s
        distinct = coded.dictionary        # for 400k rows of one judge)
        if pc.any(pc.match_substring_regex(distinct, _NEEDS_ESCAPE)).as_py():
            quoted = pa.array([_json_str(t) for t in distinct.to_pylist()], pa.string())  # json's own encoder
        else:
            quoted = pc.binary_join_element_wise('"', distinct, '"', "")
        return pc.fill_null(quoted.take(coded.indices), "null")
    distinct, rows = _by_object(values)  # rows holding one object (the same mapping) are encoded once
    if text:  # a pandas text column gives NaN for a missing text
        distinct = [None if type(v) is float and v != v else v for v in distinct]
    return pa.array([_part_json(v) for v in distinct], pa.string()).take(rows)


def _as_text_array(values: Sequence[Any], text: bool) -> pa.Array | None:
    """The column as an Arrow text array (null for None, and with `text` for NaN) when every value is a text or
    missing; else None."""
    if isinstance(values, pd.Series) and not text and values.hasnans:
        return None  # a pandas text column's gap is NaN, which only `text` makes JSON null
    try:
        arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, from_pandas=text)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        return None  # a text beside a value of another kind
    kind = arr.type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)
            or pa.types.is_null(kind)):
        return None  # numbers, mappings ...
    arr = arr.cast(pa.string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def sample_keys(checkpoint_ids: Sequence[str], question_keys: Sequence[str], indexes: Sequence[int],
                samplings: Sequence[Mapping[str, Any]]) -> list[str]:
    """`sample_key` of every row, in bulk."""
    return sample_key_array(checkpoint_ids, question_keys, indexes, samplings).to_pylist()


def sample_key_array(checkpoint_ids: Sequence[str], question_keys: Sequence[str], indexes: Sequence[int],
                     samplings: Sequence[Mapping[str, Any]]) -> pa.Array:
    """`sample_keys` as an Arrow text array (what a bulk insert sends on)."""
    return _sha24(_joined("sample", _sample_parts(checkpoint_ids, question_keys, indexes, samplings)))


def _sample_parts(checkpoint_ids: Sequence[str], question_keys: Sequence[str], indexes: Sequence[int],
                  samplings: Sequence[Mapping[str, Any]]) -> list[pa.Array]:
    distinct, rows = _by_object(samplings)  # each distinct mapping object encoded once, as sample_key does
    maps = pa.array([_part_json(dict(s)) for s in distinct], pa.string()).take(rows)
    return [_column_json(checkpoint_ids, text=True), _column_json(question_keys, text=True), _column_json(indexes),
            maps]


def judgment_keys(sample_ids: Sequence[str], judge_models: Sequence[str], metrics: Sequence[str],
                  prompt_hashes: Sequence[str | None]) -> list[str]:
    """`judgment_key` of every row, in bulk."""
    return judgment_key_array(sample_ids, judge_models, metrics, prompt_hashes).to_pylist()


def judgment_key_array(sample_ids: Sequence[str], judge_models: Sequence[str], metrics: Sequence[str],
                       prompt_hashes: Sequence[str | None]) -> pa.Array:
    """`judgment_keys` as an Arrow text array."""
    return _sha24(_joined("judgment", [_column_json(c, text=True) for c in (sample_ids, judge_models, metrics,
                                                                            prompt_hashes)]))
