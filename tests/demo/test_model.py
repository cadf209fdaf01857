"""The demo model's GGUF is hash-checked; a mismatch is refused and nothing half-written stays."""

import hashlib

import pytest

import emwatch.demo._model as dm


def test_mismatched_parts_are_refused(tmp_path, monkeypatch):
    parts = []
    for i in range(6):
        p = tmp_path / f"part{i + 1:02d}.bin"
        p.write_bytes(bytes([i]) * 1000)
        parts.append(p)
    monkeypatch.setattr(dm, "gguf_parts", lambda: parts)
    dest = tmp_path / "out" / "m.gguf"
    with pytest.raises(dm.DemoModelError, match="sha256"):
        dm.assemble_gguf(dest)
    assert not dest.exists() and not dest.with_suffix(".partial").exists()


def test_matching_parts_are_joined_in_order(tmp_path, monkeypatch):
    parts = []
    for i in range(6):
        p = tmp_path / f"part{i + 1:02d}.bin"
        p.write_bytes(bytes([i]) * 10)
        parts.append(p)
    joined = b"".join(p.read_bytes() for p in parts)
    monkeypatch.setattr(dm, "gguf_parts", lambda: parts)
    monkeypatch.setattr(dm, "GGUF_SIZE", len(joined))
    monkeypatch.setattr(dm, "GGUF_SHA256", hashlib.sha256(joined).hexdigest())
    assert dm.assemble_gguf(tmp_path / "m.gguf").read_bytes() == joined


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(dm, "GGUF_PACKAGES", ("emwatch-no-such-package-part1",))
    with pytest.raises(dm.DemoModelError, match="make demo"):
        dm.gguf_parts()
