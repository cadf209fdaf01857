"""The demo model's weights are integrity-checked by content, never by size alone: wrong parts, a wrong cached
GGUF and a tampered converted folder are refused or rebuilt, and nothing half-written stays."""

import hashlib
import json

import pytest

import emwatch.models._demo as dm
from emwatch.errors import ModelFileError


def write_parts(folder, size, fill=0):
    """Six small part files, part i filled with the byte value fill + i."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = []
    for i in range(6):
        p = folder / f"part{i + 1:02d}.bin"
        p.write_bytes(bytes([fill + i]) * size)
        parts.append(p)
    return parts


@pytest.fixture()
def pinned(tmp_path, monkeypatch):
    """Pin size and sha256 to six 10-byte parts (the good ones); returns (parts, joined bytes)."""
    parts = write_parts(tmp_path / "good", 10)
    joined = b"".join(p.read_bytes() for p in parts)
    monkeypatch.setattr(dm, "GGUF_SIZE", len(joined))
    monkeypatch.setattr(dm, "GGUF_SHA256", hashlib.sha256(joined).hexdigest())
    monkeypatch.setattr(dm, "gguf_parts", lambda: parts)
    return parts, joined


def test_wrong_size_parts_are_refused(tmp_path, monkeypatch):
    parts = write_parts(tmp_path, 1000)
    monkeypatch.setattr(dm, "gguf_parts", lambda: parts)
    dest = tmp_path / "out" / "m.gguf"
    with pytest.raises(dm.DemoModelError, match="sha256"):
        dm.assemble_gguf(dest)
    assert not dest.exists() and not dest.with_suffix(".partial").exists()


def test_right_size_wrong_content_parts_are_refused(tmp_path, monkeypatch, pinned):
    bad = write_parts(tmp_path / "bad", 10, fill=100)  # same size as the pinned parts, other bytes
    monkeypatch.setattr(dm, "gguf_parts", lambda: bad)
    dest = tmp_path / "out" / "m.gguf"
    with pytest.raises(dm.DemoModelError, match="sha256") as err:
        dm.assemble_gguf(dest)
    assert isinstance(err.value, ModelFileError)
    assert hashlib.sha256(b"".join(p.read_bytes() for p in bad)).hexdigest() in str(err.value)
    assert not dest.exists() and not dest.with_suffix(".partial").exists()


def test_matching_parts_are_joined_in_order(tmp_path, pinned):
    _, joined = pinned
    assert dm.assemble_gguf(tmp_path / "m.gguf").read_bytes() == joined


def test_cached_gguf_of_right_size_but_wrong_content_is_rebuilt(tmp_path, pinned):
    _, joined = pinned
    dest = tmp_path / "m.gguf"
    dest.write_bytes(b"\xff" * len(joined))  # the size alone says "fine"
    assert dm.assemble_gguf(dest).read_bytes() == joined


def test_cached_gguf_of_wrong_content_is_removed_when_the_parts_are_bad_too(tmp_path, monkeypatch, pinned):
    _, joined = pinned
    dest = tmp_path / "m.gguf"
    dest.write_bytes(b"\xff" * len(joined))
    bad = write_parts(tmp_path / "bad", 10, fill=100)
    monkeypatch.setattr(dm, "gguf_parts", lambda: bad)
    with pytest.raises(dm.DemoModelError, match="sha256"):
        dm.assemble_gguf(dest)
    assert not dest.exists() and not dest.with_suffix(".partial").exists()


def test_cached_gguf_with_the_pinned_hash_is_used_without_the_parts(tmp_path, monkeypatch, pinned):
    _, joined = pinned
    dest = tmp_path / "m.gguf"
    dest.write_bytes(joined)

    def no_parts():
        raise AssertionError("a verified cached GGUF must not be rebuilt")

    monkeypatch.setattr(dm, "gguf_parts", no_parts)
    assert dm.assemble_gguf(dest) == dest and dest.read_bytes() == joined


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(dm, "GGUF_PACKAGES", ("emwatch-no-such-package-part1",))
    with pytest.raises(dm.DemoModelError, match="make demo"):
        dm.gguf_parts()


# --- the converted safetensors folder ------------------------------------------------------------------------


@pytest.fixture()
def converter(tmp_path, monkeypatch, pinned):
    """demo_model_dir with a cache in tmp_path and a stand-in for transformers' conversion (it writes the two
    files a model folder needs, derived from the GGUF's bytes); returns the list of conversions done."""
    monkeypatch.setenv("EMWATCH_CACHE", str(tmp_path / "cache"))
    done = []

    def convert(gguf, dest):
        assert gguf.read_bytes() == pinned[1], "conversion must only ever see the verified GGUF"
        dest.mkdir(parents=True)
        (dest / "config.json").write_text(json.dumps({"model_type": "qwen2"}))
        (dest / "model.safetensors").write_bytes(b"W" + gguf.read_bytes())
        done.append(dest)

    monkeypatch.setattr(dm, "_convert", convert)
    return done


def _folder(tmp_path):
    return tmp_path / "cache" / "models" / dm.DEMO_MODEL_NAME


def test_conversion_writes_a_stamp_and_is_reused(tmp_path, converter):
    out = dm.demo_model_dir(log=lambda *_: None)
    assert out == _folder(tmp_path) and len(converter) == 1
    stamp = json.loads((out / dm.STAMP).read_text())
    assert stamp["gguf_sha256"] == dm.GGUF_SHA256
    assert stamp["files"]["model.safetensors"] == hashlib.sha256((out / "model.safetensors").read_bytes()).hexdigest()
    assert not (tmp_path / "cache" / "gguf" / f"{dm.DEMO_MODEL_NAME}.gguf").exists()
    assert dm.demo_model_dir(log=lambda *_: None) == out and len(converter) == 1  # verified: no second conversion


@pytest.mark.parametrize("tamper", ["same_size_weights", "no_stamp", "other_source", "extra_file", "missing_file"])
def test_unverified_folder_is_not_accepted(tmp_path, converter, tamper):
    out = dm.demo_model_dir(log=lambda *_: None)
    weights = out / "model.safetensors"
    good = weights.read_bytes()
    if tamper == "same_size_weights":
        weights.write_bytes(b"X" * len(good))  # config.json and model.safetensors exist, size unchanged
    elif tamper == "no_stamp":
        (out / dm.STAMP).unlink()
    elif tamper == "other_source":
        stamp = json.loads((out / dm.STAMP).read_text())
        (out / dm.STAMP).write_text(json.dumps({**stamp, "gguf_sha256": "0" * 64}))
    elif tamper == "extra_file":
        (out / "adapter_config.json").write_text("{}")
    else:
        (out / "config.json").unlink()
    assert dm.stamp_problem(out) is not None
    logs = []
    assert dm.demo_model_dir(log=logs.append) == out
    assert len(converter) == 2, "an unverified folder must be rebuilt, not used"
    assert any("not verified" in m for m in logs)
    assert weights.read_bytes() == good and dm.stamp_problem(out) is None
    assert sorted(p.name for p in out.iterdir()) == sorted(["config.json", "model.safetensors", dm.STAMP])


def test_failed_conversion_leaves_no_folder(tmp_path, monkeypatch, converter):
    good_convert = dm._convert

    def broken(gguf, dest):
        dest.mkdir(parents=True)
        (dest / "config.json").write_text("{}")
        (dest / "model.safetensors").write_bytes(b"half")
        raise RuntimeError("conversion died")

    monkeypatch.setattr(dm, "_convert", broken)
    with pytest.raises(RuntimeError, match="conversion died"):
        dm.demo_model_dir(log=lambda *_: None)
    assert not _folder(tmp_path).exists()
    monkeypatch.setattr(dm, "_convert", good_convert)
    out = dm.demo_model_dir(log=lambda *_: None)  # the cached GGUF is re-verified and converted again
    assert len(converter) == 1 and dm.stamp_problem(out) is None
    assert (out / "model.safetensors").read_bytes() != b"half"


def test_demo_package_and_trainer_resolve_through_models(tmp_path, converter):
    import emwatch.demo as demo
    from emwatch.train._runs import model_name, resolve_model_path

    assert demo.demo_model_dir is dm.demo_model_dir and demo.DemoModelError is dm.DemoModelError
    assert model_name("demo") == dm.DEMO_MODEL_NAME
    assert resolve_model_path("demo") == _folder(tmp_path)
