"""Content-hash keys: every row id is a hash of everything that changes the row's content."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

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
    keys, computed in one pass without a record per row (what ingesting a million answers costs)."""
    prefix = f"emwatch/{KEY_VERSION}/{kind}\x1f"
    texts = [_column_json(col) for col in columns]
    sha = hashlib.sha256
    if not texts:
        return []
    return [sha((prefix + "\x1f".join(parts)).encode()).hexdigest()[:24] for parts in zip(*texts)]


def _column_json(values: Sequence[Any]) -> list[str]:
    """_part_json of each value, a column at a time (a column of texts or ints takes the short path)."""
    values = list(values)
    kinds = {type(v) for v in values}
    if kinds == {str}:
        return [_json_str(v) for v in values]
    if kinds == {int}:
        return [int.__repr__(v) for v in values]
    return [_part_json(v) for v in values]


def sample_keys(checkpoint_ids: Sequence[str], question_keys: Sequence[str], indexes: Sequence[int],
                samplings: Sequence[Mapping[str, Any]]) -> list[str]:
    """`sample_key` of every row, in bulk."""
    return bulk_keys("sample", _texts(checkpoint_ids), _texts(question_keys), [int(i) for i in indexes],
                     [dict(s) for s in samplings])


def judgment_keys(sample_ids: Sequence[str], judge_models: Sequence[str], metrics: Sequence[str],
                  prompt_hashes: Sequence[str | None]) -> list[str]:
    """`judgment_key` of every row, in bulk."""
    return bulk_keys("judgment", _texts(sample_ids), _texts(judge_models), _texts(metrics), _texts(prompt_hashes))


def _texts(values: Sequence[Any]) -> list[Any]:
    """A text column as Python values: a missing text is None (a pandas text column gives NaN for it)."""
    return [None if isinstance(v, float) and v != v else v for v in values]
