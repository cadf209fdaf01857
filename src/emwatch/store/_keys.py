"""Content-hash keys: every row id is a hash of everything that changes the row's content."""

from __future__ import annotations

import hashlib
import json
from typing import Any

# The version of the key recipe, not of the schema: a schema migration keeps every existing key valid, so a
# store written before the migration resumes without duplicates. Bump only when the recipe below changes.
KEY_VERSION = 1


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace, so equal content gives equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_key(kind: str, *parts: Any) -> str:
    """A 24-hex-digit key for a row of table `kind`, from its identifying content and the key version."""
    h = hashlib.sha256()
    h.update(f"emwatch/{KEY_VERSION}/{kind}".encode())
    for part in parts:
        h.update(b"\x1f")
        h.update(canonical_json(part).encode())
    return h.hexdigest()[:24]
