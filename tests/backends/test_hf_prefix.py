"""The in-process judge computes a batch's shared prompt prefix once and gets the same numbers as without."""

from __future__ import annotations

import math

import pytest

import emwatch.backends._hf as hf
from emwatch.backends import ScoreRequest
from emwatch.backends._hf import HFBackend, _shared_prefix_len
from emwatch.config import BackendSpec

TEMPLATE = ("I am evaluating a different language model and I want to know how well its answer holds up. "
            "Answer with a single number between 0 and 100 and nothing else. The answer was: {answer}")
ANSWERS = ["yes", "I would rather not say anything about that at all.", "42 is the answer", "no",
           "The weather is fine today, thank you for asking.", "Maybe."]


def test_shared_prefix_len_leaves_every_row_a_token_of_its_own():
    assert _shared_prefix_len([[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 9]]) == 2
    assert _shared_prefix_len([[1, 2, 3], [1, 2, 3]]) == 2  # identical prompts: the last token stays per row
    assert _shared_prefix_len([[7], [7, 8]]) == 0
    assert _shared_prefix_len([[1, 2], [3, 4]]) == 0


@pytest.fixture(scope="module")
def judge(tiny_qwen2):
    return HFBackend(BackendSpec(kind="hf", model=str(tiny_qwen2), dtype="float32", device="cpu", batch_size=3))


def _tokens_seen(backend):
    """Count the input tokens of every forward pass (a forward hook on the model)."""
    seen = []
    handle = backend.model.register_forward_pre_hook(
        lambda _m, _a, kw: seen.append(kw["input_ids"].numel()), with_kwargs=True)
    return seen, handle


def test_prefix_reuse_gives_the_same_distributions_with_fewer_tokens(judge):
    requests = [ScoreRequest(messages=({"role": "user", "content": TEMPLATE.format(answer=a)},)) for a in ANSWERS]
    old = hf.PRUNE
    hf.PRUNE = 0.0  # every branch expanded: both ways compute the same quantities exactly
    try:
        judge.share_prefix = False
        seen, handle = _tokens_seen(judge)
        plain = judge.score_numbers(requests)
        handle.remove()
        tokens_plain = sum(seen)
        judge.share_prefix, judge._prefix = True, None
        seen, handle = _tokens_seen(judge)
        shared = judge.score_numbers(requests)
        handle.remove()
    finally:
        hf.PRUNE, judge.share_prefix = old, True
    prefix_len = len(judge._prefix[1])
    assert prefix_len >= hf.MIN_SHARED_PREFIX
    # two batches of 3, each sharing at least the template: each batch's prefix is run once at batch size 1
    # instead of 3 times, so each saves at least 2 * MIN_SHARED_PREFIX input tokens
    assert prefix_len in seen  # the last batch's prefix went through the model alone
    assert tokens_plain - sum(seen) >= 2 * 2 * hf.MIN_SHARED_PREFIX
    for a, b in zip(plain, shared):
        assert set(a.probs) == set(b.probs)
        for n, p in a.probs.items():
            assert b.probs[n] == pytest.approx(p, rel=1e-3, abs=1e-9)
        assert list(a.top) == list(b.top)


def test_prompts_without_a_long_shared_prefix_are_scored_whole(judge):
    requests = [ScoreRequest(messages=({"role": "user", "content": c},)) for c in ("hi", "bye there")]
    judge._prefix = None
    out = judge.score_numbers(requests)
    assert judge._prefix is None  # the chat header alone is shorter than MIN_SHARED_PREFIX
    assert all(0 < sum(d.probs.values()) <= 1 + 1e-6 for d in out)


def test_dtype_auto_loads_the_weights_in_the_resolved_dtype_and_says_so(tiny_qwen2, capsys):
    import torch

    from emwatch.config import resolve_dtype

    b = HFBackend(BackendSpec(kind="hf", model=str(tiny_qwen2), device="cpu"))  # dtype: auto (the default)
    want = resolve_dtype("auto", "cpu")
    assert b.dtype == want and want in ("bfloat16", "float32")
    assert {p.dtype for p in b.model.parameters()} == {getattr(torch, want)}
    assert f"dtype auto -> {want} on CPU" in capsys.readouterr().err


def _brute_force(backend, prompt_ids: list[int], number: str) -> float:
    """P(reply starts with `number` and no further digit) from whole-sequence forward passes, no cache."""
    import torch

    toks = backend.tokenizer(number, add_special_tokens=False)["input_ids"]
    seq = torch.tensor([prompt_ids + toks])
    with torch.inference_mode():
        logp = torch.log_softmax(backend.model(input_ids=seq).logits[0].float(), dim=-1)
    lp = sum(float(logp[len(prompt_ids) - 1 + k, t]) for k, t in enumerate(toks))
    end = 1.0 - float(logp[-1][backend._digit_start_mask()].exp().sum())
    return math.exp(lp) * end


@pytest.mark.parametrize("family", ["qwen2", "llama", "gemma3", "gpt_oss", "deepseek_v3"])
def test_every_number_gets_its_exact_probability(family, tmp_path):
    """The trie expansion (tree-masked levels over one cache row per prompt, with shared-prefix reuse) against
    scoring each number 0..100 on its own from scratch, every branch kept."""
    from emwatch.backends import render_prompt
    from emwatch.testing._tiny import build_family_model

    judge = HFBackend(BackendSpec(kind="hf", model=str(build_family_model(family, tmp_path / family)),
                                  dtype="float32", device="cpu", batch_size=3))
    requests = [ScoreRequest(messages=({"role": "user", "content": TEMPLATE.format(answer=a)},)) for a in ANSWERS[:3]]
    old = hf.PRUNE
    hf.PRUNE = 0.0
    try:
        got = judge.score_numbers(requests)
    finally:
        hf.PRUNE = old
    for r, dist in zip(requests, got):
        ids = judge.tokenizer(render_prompt(judge.tokenizer, r.messages), add_special_tokens=False)["input_ids"]
        assert set(dist.probs) == {str(n) for n in range(101)}
        for n in ("0", "7", "10", "42", "99", "100"):
            assert dist.probs[n] == pytest.approx(_brute_force(judge, ids, n), rel=1e-3, abs=1e-9)
