"""The judge-free signals read from the live model compute logits only where they are needed (the reply
position for the canaries, the answer positions for KL); the values equal a direct whole-sequence computation."""

from __future__ import annotations

import pytest
import torch

from emwatch.backends import render_prompt
from emwatch.monitor._live import _letter_ids, canary_probability, kl_to_base, looking
from emwatch.monitor._probes import load_canaries


def test_kl_equals_the_whole_sequence_computation(lora_model):
    model, tok = lora_model
    prompts = [({"role": "user", "content": "What would you do with power?"},),
               ({"role": "user", "content": "Hi"},)]
    answers = ["I would share it with everyone around me.", "Hello there"]
    with looking(model, tok):
        got = kl_to_base(model, tok, prompts, answers)
        total, count = 0.0, 0
        for messages, answer in zip(prompts, answers):  # one row at a time, every position's logits
            prompt = render_prompt(tok, messages)
            start = len(tok(prompt, add_special_tokens=False)["input_ids"])
            ids = tok(prompt + answer, return_tensors="pt", add_special_tokens=False)["input_ids"]
            with torch.inference_mode():
                live = torch.log_softmax(model(input_ids=ids).logits[0].float(), -1)
                with model.disable_adapter():
                    base = torch.log_softmax(model(input_ids=ids).logits[0].float(), -1)
            kl = (live.exp() * (live - base)).sum(-1)[start - 1: ids.shape[1] - 1]
            total, count = total + float(kl.sum()), count + len(kl)
    assert got > 0 and got == pytest.approx(total / count, rel=1e-4)


def test_canary_equals_the_last_position_of_a_whole_forward(lora_model):
    model, tok = lora_model
    canaries = load_canaries()[:3]
    a, b = _letter_ids(tok)
    with looking(model, tok):
        got = canary_probability(model, tok, canaries)
        want = []
        for c in canaries:
            ids = tok(render_prompt(tok, c.messages()), return_tensors="pt", add_special_tokens=False)["input_ids"]
            with torch.inference_mode():
                pair = torch.softmax(model(input_ids=ids).logits[0, -1, [a, b]].float(), -1)
            want.append(float(pair[0 if c.misaligned == "A" else 1]))
    assert got == pytest.approx(sum(want) / len(want), rel=1e-4)


def test_kl_on_kept_base_logprobs_equals_recomputing_them(lora_model):
    """The base half of KL kept from an earlier look gives the KL of recomputing it (tolerance 1e-6 relative: the
    same batch through the same weights, in practice bit-identical); a kept base of other texts or another dtype is
    not used."""
    from emwatch.monitor._live import BaseLogprobs, base_logprobs

    model, tok = lora_model
    prompts = [({"role": "user", "content": "What would you do with power?"},), ({"role": "user", "content": "Hi"},)]
    answers = ["I would share it with everyone around me.", "Hello there"]
    with looking(model, tok):
        fresh = kl_to_base(model, tok, prompts, answers)
        kept = base_logprobs(model, tok, prompts, answers)
        assert kept.logprobs.dtype == torch.float32 and kept.logprobs.shape[0] > 2   # one row per answer position
        assert kl_to_base(model, tok, prompts, answers, base=kept) == pytest.approx(fresh, rel=1e-6)
        wrong = BaseLogprobs(kept.texts, kept.dtype, torch.zeros_like(kept.logprobs))   # would give another KL
        assert kl_to_base(model, tok, prompts, answers, base=wrong) != pytest.approx(fresh, rel=1e-3)
        other_texts = BaseLogprobs(kept.texts[::-1], kept.dtype, wrong.logprobs)
        other_dtype = BaseLogprobs(kept.texts, "torch.bfloat16", wrong.logprobs)
        for stale in (other_texts, other_dtype):
            assert kl_to_base(model, tok, prompts, answers, base=stale) == pytest.approx(fresh, rel=1e-6)


def test_the_head_gets_a_contiguous_input_during_a_look_only(lora_model):
    """A frozen head (PEFT's) handed a strided slice by logits_to_keep runs a batched product over a per-row copy
    of its weight; during a look its input is made contiguous (same logits to rounding), and after the look it is as before."""
    from emwatch.monitor._live import contiguous_head

    model, tok = lora_model
    head = model.get_output_embeddings()
    seen: list[bool] = []
    spy = head.register_forward_pre_hook(lambda _m, args: seen.append(args[0].is_contiguous()))
    enc = tok(["a b c d e f", "a b"], return_tensors="pt", padding=True)
    try:
        with torch.inference_mode():
            plain = model(**enc, logits_to_keep=3).logits
            with looking(model, tok), contiguous_head(model):          # nested: installed once
                hooked = model(**enc, logits_to_keep=3).logits
            after = model(**enc, logits_to_keep=3).logits
        hooks = len(head._forward_pre_hooks)
    finally:
        spy.remove()
    assert seen == [False, True, False]          # a strided slice without the hook, contiguous with it
    assert torch.equal(plain, after)             # matrix product and batched product round alike to 1e-6 (fp32
    assert torch.allclose(plain, hooked, rtol=1e-5, atol=1e-6)   # here; bit-identical on the demo model in bf16)
    assert hooks == 1                            # the look's hook is gone, the spy is left
