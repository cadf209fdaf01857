"""A contiguous input for the output head of a model that keeps only some positions' logits.

A forward pass with `logits_to_keep` (generate's prefill, the judge's next-token scoring, the monitor's canaries
and KL) hands the output head a strided slice of the hidden states. For a head whose weight does not require
grad (PEFT freezes the base model's, `lm_head` included, so every LoRA checkpoint is such a model) torch's
matmul then cannot fold the batch into one matrix product: it runs a batched product over the weight expanded
per row, copying the head (151,936 x 896 on the demo model) once per batch row: 14 of 18 s of a 4-row forward
on the demo CPU (torch 2.13, bf16, one thread). Making the head's input contiguous first costs one row of hidden
states per kept position and gives one matrix product. The logits are bit-identical in bf16 (the demo model's
dtype); in fp32 the two kernels round differently, by at most 1.8e-7 on the tiny test model
(tests/backends/test_head.py).

`contiguous_head(model)` installs the hook for the duration of a `with`; every in-process inference path of
emwatch runs under it: HFBackend's generation and number scoring, and the online monitor's looks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def _contiguous_input(_module, args):
    return (args[0].contiguous(), *args[1:]) if args and hasattr(args[0], "contiguous") else None


@contextlib.contextmanager
def contiguous_head(model) -> Iterator[None]:
    """For the duration: the output head (`get_output_embeddings()`) gets its input made contiguous (a no-op for
    an input that already is, as in training); see the module's docstring for why. Nested uses install it once.
    A model without an output head (or None) is left alone."""
    get = getattr(model, "get_output_embeddings", None)
    head = get() if callable(get) else None
    if head is None or getattr(head, "_emwatch_contiguous", False):
        yield
        return
    handle = head.register_forward_pre_hook(_contiguous_input, prepend=True)   # before any other hook
    head._emwatch_contiguous = True
    try:
        yield
    finally:
        handle.remove()
        head._emwatch_contiguous = False
