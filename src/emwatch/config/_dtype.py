"""Weight dtypes: the names a config may give (sampling and training alike) and the torch dtype of each."""

from __future__ import annotations

from typing import Any, Literal

DtypeName = Literal["auto", "bfloat16", "float16", "float32"]


def torch_dtype(name: DtypeName, device: str = "auto") -> Any:
    """The torch dtype for a config's dtype name; "auto" is resolved for this machine (config/_machine.py):
    bf16 where `device` computes it natively, else fp32 (never the checkpoint's dtype, which is bf16 for most
    chat models and 7-9x slower than fp32 on CPUs without avx512_bf16 / AMX)."""
    if name == "auto":
        from emwatch.config._machine import resolve_dtype

        name = resolve_dtype("auto", device)  # type: ignore[assignment]
    import torch

    table = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown dtype {name!r}; known: auto, {', '.join(table)}") from None


__all__ = ["DtypeName", "torch_dtype"]
