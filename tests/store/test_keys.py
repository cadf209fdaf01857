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


def test_the_fast_scalar_path_gives_canonical_json_text():
    # content_key encodes str/int/float/None/bool parts without json.dumps: the text (so every stored key)
    # must be the same as canonical_json's, including escapes, non-ASCII, bools, huge ints and non-finite floats
    values = ["", "plain", 'quote " and \\ backslash', "tab\tnew\nline\x00\x1f", "é ü 漢字 🙂", "\ud800",
              0, -1, 10**30, True, False, None, 0.0, -0.0, 1.5, 1e-300, 1e300, 0.1 + 0.2, float("nan"),
              float("inf"), float("-inf"), {"b": 1, "a": 2}, [1, "x"], (1, 2),
              # mappings are remembered by their items: ones equal in Python but not in JSON must not mix
              {"t": 1}, {"t": 1.0}, {"t": True}, {"t": 0.0}, {"t": -0.0}, {1: "a"}, {True: "a"}, {"n": [1]}]
    for v in values:
        assert keys._part_json(v) == canonical_json(v), v
    h = hashlib.sha256()
    h.update(f"emwatch/{keys.KEY_VERSION}/judgment".encode())
    for part in ("s1", "judge é", "aligned", None, 3, 2.5, True):
        h.update(b"\x1f" + canonical_json(part).encode())
    assert content_key("judgment", "s1", "judge é", "aligned", None, 3, 2.5, True) == h.hexdigest()[:24]
