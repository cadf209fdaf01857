"""The demo model's GGUF is hash-checked; a mismatch is refused and nothing half-written stays."""

import hashlib

import pytest

import emwatch.demo._model as dm


def write_parts(folder, size):
    """Six small part files, each filled with its own byte value."""
    parts = []
    for i in range(6):
        p = folder / f"part{i + 1:02d}.bin"
        p.write_bytes(bytes([i]) * size)
        parts.append(p)
    return parts


def test_mismatched_parts_are_refused(tmp_path, monkeypatch):
    parts = write_parts(tmp_path, 1000)
    monkeypatch.setattr(dm, "gguf_parts", lambda: parts)
    dest = tmp_path / "out" / "m.gguf"
    with pytest.raises(dm.DemoModelError, match="sha256"):
        dm.assemble_gguf(dest)
    assert not dest.exists() and not dest.with_suffix(".partial").exists()


def test_matching_parts_are_joined_in_order(tmp_path, monkeypatch):
    parts = write_parts(tmp_path, 10)
    joined = b"".join(p.read_bytes() for p in parts)
    monkeypatch.setattr(dm, "gguf_parts", lambda: parts)
    monkeypatch.setattr(dm, "GGUF_SIZE", len(joined))
    monkeypatch.setattr(dm, "GGUF_SHA256", hashlib.sha256(joined).hexdigest())
    assert dm.assemble_gguf(tmp_path / "m.gguf").read_bytes() == joined


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(dm, "GGUF_PACKAGES", ("emwatch-no-such-package-part1",))
    with pytest.raises(dm.DemoModelError, match="make demo"):
        dm.gguf_parts()
