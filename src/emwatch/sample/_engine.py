"""Which engine samples a base model's checkpoints when the sample config names no backend (`engine: auto`).

Measured on a 2-core AMD EPYC (AVX2 + FMA, no native bf16), the demo model in fp32, batch 8, two `make bench`
runs (benchmarks/results.md, docs/performance.md): vLLM's CPU build decodes the base model at 2.1-2.3x
in-process transformers (34.6-35.0 against 14.9-17.0 tokens/s; 43-52% against 21-22% of the memory-bandwidth
bound) once its server is up, which takes 50-165 s; llama.cpp's Python server (one request at a time, quantised
GGUF) 14.1 tokens/s; served as LoRA modules, checkpoints decode at 0.87-0.93x in-process transformers. So
on a CPU, `auto` sends a base model's own answers to a managed vLLM server when vLLM is installed and the
planned tokens repay the start (`engine_min_tokens`, default 20,000 planned tokens: four to ten times the
break-even of a 75-145 s start at those rates, as answers often stop before `max_new_tokens`), and keeps LoRA
checkpoints in process. On a GPU nothing was compared here, so `auto` keeps in-process transformers there;
`engine: vllm` (or a `backend:`) chooses the server explicitly.

Both engines run the same weights in the same dtype, so answers of one checkpoint drawn by either are draws
from the same model; each stored answer names its engine (`samples.backend`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from emwatch.config import BackendSpec, resolve_device, resolve_dtype

ENGINES = ("auto", "transformers", "vllm")


@dataclass(frozen=True)
class EngineChoice:
    """The engine for a part of one base model's answers, and why (printed by the stage)."""

    engine: str          # "transformers" or "vllm"
    reason: str
    items: tuple = ()

    def spec(self, model: str, *, dtype: str = "auto", device: str = "auto", batch_size: int = 8) -> BackendSpec:
        if self.engine == "vllm":
            return BackendSpec(kind="vllm", model=model, dtype=resolve_dtype(dtype, "cpu"),
                               max_concurrency=batch_size, batch_size=batch_size)
        return BackendSpec(kind="transformers", model=model, dtype=dtype, device=device, batch_size=batch_size)


def vllm_installed() -> bool:
    """Whether a managed vLLM server could start here (the interpreter `kind: vllm` would use exists)."""
    from emwatch.backends._server import vllm_python

    return vllm_python().exists()


def on_gpu(device: str = "auto") -> bool:
    return resolve_device(device).startswith("cuda")


def planned_tokens(items: Sequence[Any]) -> int:
    """The most tokens `items` (SampleItems) can generate: the sum of their `max_new_tokens`."""
    return sum(int(i.sampling["max_new_tokens"]) for i in items)


def choose_engines(items: Sequence[Any], engine: str = "auto", *, min_tokens: int = 20_000, device: str = "auto",
                   installed: bool | None = None, gpu: bool | None = None) -> list[EngineChoice]:
    """Split one base model's planned answers (SampleItems; `adapter` None for the base model itself) between
    the engines: one or two EngineChoices, each with its items, vLLM's first."""
    items = list(items)
    if engine not in ENGINES:
        raise ValueError(f"engine: {engine!r} is not one of {', '.join(ENGINES)}")
    if engine != "auto":
        return [EngineChoice(engine, f"engine: {engine} (the sample config's choice)", tuple(items))]
    base = [i for i in items if i.adapter is None]
    lora = [i for i in items if i.adapter is not None]
    installed = vllm_installed() if installed is None else installed
    gpu = on_gpu(device) if gpu is None else gpu
    tokens = planned_tokens(base)
    if gpu:
        why = "a GPU: engines were not compared on one, so in process (engine: vllm chooses the server)"
    elif not installed:
        why = "vLLM is not installed (scripts/setup_vllm.sh), so in process"
    elif not base:
        why = "LoRA checkpoints only: vLLM's CPU LoRA path measured 0.87-0.93x in-process adapter swaps"
    elif tokens < min_tokens:
        why = (f"{tokens} tokens planned for the base model, below the {min_tokens} that repay a vLLM server start "
               "(engine_min_tokens), so in process")
    else:
        choices = [EngineChoice("vllm", f"{tokens} tokens planned for the base model (>= {min_tokens}): vLLM's CPU "
                                "server, measured 2.1-2.3x in-process transformers once started", tuple(base))]
        if lora:
            choices.append(EngineChoice("transformers", "LoRA checkpoints in process: vLLM's CPU LoRA path measured "
                                        "0.87-0.93x in-process adapter swaps", tuple(lora)))
        return choices
    return [EngineChoice("transformers", why, tuple(items))]


__all__ = ["ENGINES", "EngineChoice", "choose_engines", "planned_tokens", "vllm_installed"]
