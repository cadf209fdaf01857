"""The output head's input made contiguous (`contiguous_head`): same logits as without, and installed on every
in-process inference path of HFBackend (a LoRA checkpoint freezes the head, where the strided input is costly)."""

from __future__ import annotations

import contextlib

import pytest
import torch

import emwatch.backends._hf as hf
from emwatch.backends import GenerationRequest, ScoreRequest, contiguous_head
from emwatch.config import BackendSpec

TEXTS = ["a b c d e f", "a b", "the code return x to the user"]


@pytest.fixture(scope="module")
def adapter(tiny_qwen2, tmp_path_factory):
    """A r=4 LoRA adapter of the tiny model on q/v whose B matrices are drawn N(0, 0.3) from seed 0 (PEFT
    initialises B to zero: no change), saved as a checkpoint folder."""
    from emwatch.testing import random_lora

    model = random_lora(tiny_qwen2, r=4, std=0.3, seed=0)
    out = tmp_path_factory.mktemp("head_adapter")
    model.save_pretrained(out)
    return str(out)


def _lora(tiny_qwen2, adapter, dtype):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_qwen2)
    tok.padding_side = "left"
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_qwen2, dtype=dtype), adapter).eval()
    return model, tok


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float32])
def test_same_logits_and_answers_with_the_hook(tiny_qwen2, adapter, dtype):
    """bf16 (the demo model's dtype): bit-identical logits; fp32: the matrix and the batched product round
    differently, within 1e-6. Greedy answers identical either way; the hook is gone after the `with`."""
    model, tok = _lora(tiny_qwen2, adapter, dtype)
    head = model.get_output_embeddings()
    assert not head.weight.requires_grad                       # PEFT froze the head: the costly case
    enc = tok(TEXTS, return_tensors="pt", padding=True)
    with torch.inference_mode():
        plain = [model(**enc, logits_to_keep=k).logits for k in (1, 3)]
        gen_plain = model.generate(**enc, max_new_tokens=12, do_sample=False, pad_token_id=tok.pad_token_id)
        with contiguous_head(model):
            hooked = [model(**enc, logits_to_keep=k).logits for k in (1, 3)]
            gen_hooked = model.generate(**enc, max_new_tokens=12, do_sample=False, pad_token_id=tok.pad_token_id)
    for a, b in zip(plain, hooked):
        if dtype == torch.bfloat16:
            assert torch.equal(a, b)
        else:
            assert torch.allclose(a, b, rtol=0, atol=1e-6)
    assert torch.equal(gen_plain, gen_hooked)
    assert not head._forward_pre_hooks and not head._emwatch_contiguous


def test_a_model_without_an_output_head_is_left_alone():
    with contiguous_head(torch.nn.Linear(2, 2)), contiguous_head(None):
        pass


@pytest.fixture(scope="module")
def backend(tiny_qwen2):
    return hf.HFBackend(BackendSpec(kind="hf", model=str(tiny_qwen2), dtype="float32", device="cpu", batch_size=3))


def _head_inputs(backend, adapter, call):
    """Whether each input the output head received during `call` was contiguous (a spy hook on the head: the
    adapter is loaded first, since PEFT wraps the model when the first adapter comes)."""
    backend.generate([GenerationRequest(messages=({"role": "user", "content": "hi"},), max_new_tokens=1,
                                        temperature=0.0, adapter=adapter)])
    head = backend.model.get_output_embeddings()
    seen: list[bool] = []
    spy = head.register_forward_pre_hook(lambda _m, args: seen.append(args[0].is_contiguous()))
    try:
        call()
    finally:
        spy.remove()
    return seen, head


def _calls(backend, adapter):
    gens = [GenerationRequest(messages=({"role": "user", "content": t},), max_new_tokens=4, temperature=0.0,
                              adapter=adapter) for t in TEXTS]
    scores = [ScoreRequest(messages=({"role": "user", "content": f"Rate from 0 to 100: {t}"},), adapter=adapter)
              for t in TEXTS]
    return lambda: (backend.generate(gens), backend.score_numbers(scores))


def test_hfbackend_generates_and_scores_a_lora_checkpoint_with_a_contiguous_head_input(backend, adapter, monkeypatch):
    """With the hook every head input is contiguous; without it (the hook swapped for a no-op) some are not, so
    this test would fail if HFBackend stopped installing it. After the call no hook of ours is left."""
    seen, head = _head_inputs(backend, adapter, _calls(backend, adapter))
    assert not head.weight.requires_grad
    assert len(seen) > 3 and all(seen)
    assert not head._forward_pre_hooks and not head._emwatch_contiguous
    monkeypatch.setattr(hf, "contiguous_head", lambda _model: contextlib.nullcontext())
    seen, _head = _head_inputs(backend, adapter, _calls(backend, adapter))
    assert not all(seen)                        # generate's prefill and the judge's first pass keep a strided slice
