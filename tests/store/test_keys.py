"""Content keys: equal content gives an equal key, any change to kind, parts, their order or boundaries, or the
schema version gives another; the key is the first 24 hex digits of a sha256 spelled out here."""

import hashlib
import json
from pathlib import Path

import emwatch.store._keys as keys
from emwatch.store._keys import canonical_json, content_key


def test_canonical_json_sorts_keys_and_drops_whitespace():
    assert canonical_json({"b": 1, "a": [1, 2], "c": {"y": 2, "x": 1}}) == '{"a":[1,2],"b":1,"c":{"x":1,"y":2}}'
    assert canonical_json("é") == '"é"'  # not escaped: the same text as written
    assert canonical_json({"p": Path("a/b")}) == '{"p":"a/b"}'  # anything else as its text


def test_content_key_is_the_documented_sha256_prefix():
    h = hashlib.sha256()
    h.update(f"emwatch/{keys.KEY_VERSION}/sample".encode())
    for part in ("ck", {"b": 2, "a": 1}, 3):
        h.update(b"\x1f" + json.dumps(part, sort_keys=True, separators=(",", ":")).encode())
    assert content_key("sample", "ck", {"a": 1, "b": 2}, 3) == h.hexdigest()[:24]
    assert len(content_key("x")) == 24


def test_every_change_gives_another_key(monkeypatch):
    k = content_key("sample", "ck", "q", 0)
    assert k == content_key("sample", "ck", "q", 0)
    others = [content_key("question", "ck", "q", 0), content_key("sample", "ck", "q", 1),
              content_key("sample", "q", "ck", 0), content_key("sample", "ckq", "", 0), content_key("sample", "ck", "q"),
              content_key("sample", ["ck", "q"], 0)]
    assert len({k, *others}) == len(others) + 1
    monkeypatch.setattr(keys, "KEY_VERSION", keys.KEY_VERSION + 1)
    assert content_key("sample", "ck", "q", 0) != k


def test_keys_do_not_follow_the_schema_version():
    # a schema upgrade must keep every key, or an upgraded store would resume with duplicates
    from emwatch.store import SCHEMA_VERSION

    assert keys.KEY_VERSION == 1 and SCHEMA_VERSION >= 2
