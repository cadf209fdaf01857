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
