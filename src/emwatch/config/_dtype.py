"""Weight dtypes: the names a config may give (sampling and training alike) and the torch dtype of each."""

from __future__ import annotations

from typing import Any, Literal

DtypeName = Literal["auto", "bfloat16", "float16", "float32"]


def torch_dtype(name: DtypeName) -> Any:
    """The torch dtype for a config's dtype name ("auto" stays "auto": transformers picks the checkpoint's)."""
    if name == "auto":
        return "auto"
    import torch

    table = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}
    try:
        return table[name]
    except KeyError:
        raise ValueError(f"unknown dtype {name!r}; known: auto, {', '.join(table)}") from None


__all__ = ["DtypeName", "torch_dtype"]
