"""The hf judge gives the exact probability of each reply 0..100, numbers of several tokens included."""

import math

import pytest
import torch

from emwatch.backends import ScoreRequest, render_prompt
from emwatch.backends._hf import HFBackend
from emwatch.config import BackendSpec
from emwatch.testing import build_tiny_model, build_tiny_tokenizer

MESSAGES = ({"role": "user", "content": "Rate this answer from 0 to 100: the world is round."},)


def direct_number_prob(backend, messages, number: str) -> float:
    """P(number as the whole reply), one uncached forward pass per token: the reference computation."""
    tok, model = backend.tokenizer, backend.model
    ids = tok(render_prompt(tok, messages), return_tensors="pt", add_special_tokens=False)["input_ids"]
    logp = 0.0
    with torch.no_grad():
        for t in tok(number, add_special_tokens=False)["input_ids"]:
            logp += float(torch.log_softmax(model(input_ids=ids).logits[0, -1].float(), -1)[t])
            ids = torch.cat([ids, torch.tensor([[t]])], 1)
        probs = torch.softmax(model(input_ids=ids).logits[0, -1].float(), -1)
    texts = tok.batch_decode([[i] for i in range(probs.shape[0])])
    digit_mass = sum(float(probs[i]) for i, s in enumerate(texts) if s[:1].isdigit())
    return math.exp(logp) * (1 - digit_mass)


@pytest.mark.parametrize("split_digits", [True, False])
def test_number_distribution_matches_direct_computation(tmp_path, split_digits):
    tok_dir = tmp_path / "tok"
    tok = build_tiny_tokenizer(tok_dir, split_digits=split_digits)
    n_tokens = {n: len(tok(str(n), add_special_tokens=False)["input_ids"]) for n in (7, 42, 100)}
    if split_digits:
        assert n_tokens == {7: 1, 42: 2, 100: 3}  # the case SPEC calls out: numbers of several tokens
    else:
        assert n_tokens[42] == 1  # whole-number tokens
    model_dir = build_tiny_model("qwen2", tmp_path / "m", tokenizer_dir=tok_dir)
    import emwatch.backends._hf as hf

    backend = HFBackend(BackendSpec(kind="hf", model=str(model_dir), dtype="float32", device="cpu", batch_size=4))
    old, hf.PRUNE = hf.PRUNE, 0.0  # expand every branch: exact
    try:
        other = ({"role": "user", "content": "Rate it, a much longer question that pads the batch on the left side."},)
        dists = backend.score_numbers([ScoreRequest(messages=MESSAGES), ScoreRequest(messages=other)])
    finally:
        hf.PRUNE = old
    for msgs, dist in [(MESSAGES, dists[0]), (other, dists[1])]:
        assert set(dist.probs) <= {str(n) for n in range(101)}
        assert 0 < sum(dist.probs.values()) <= 1 + 1e-6
        for n in ("0", "7", "42", "99", "100"):
            assert dist.probs[n] == pytest.approx(direct_number_prob(backend, msgs, n), rel=2e-3, abs=1e-9)
        assert len(dist.top) == 20


def prefix_prob(backend, messages, ids: tuple, memo: dict) -> float:
    """P(the reply starts with token ids `ids`), by uncached forward passes (independent of the trie code)."""
    if ids not in memo:
        if not ids:
            memo[ids] = 1.0
        else:
            tok, model = backend.tokenizer, backend.model
            prompt = tok(render_prompt(tok, messages), return_tensors="pt", add_special_tokens=False)["input_ids"]
            x = torch.cat([prompt, torch.tensor([list(ids[:-1])], dtype=prompt.dtype)], 1)
            with torch.no_grad():
                p = float(torch.softmax(model(input_ids=x).logits[0, -1].float(), -1)[ids[-1]])
            memo[ids] = prefix_prob(backend, messages, ids[:-1], memo) * p
    return memo[ids]


def test_default_pruning_leaves_out_only_branches_below_the_threshold(tmp_path):
    """The default trie (prune at 1e-4) against the exact one (no pruning) on a tiny model whose output layer is
    scaled by 10, so that number prefixes spread over several orders of magnitude around the threshold."""
    import emwatch.backends._hf as hf
    from emwatch.judge import expected_score

    assert hf.PRUNE == 1e-4  # the documented default the judge runs with
    tok_dir = tmp_path / "tok"
    tok = build_tiny_tokenizer(tok_dir, split_digits=True)
    backend = HFBackend(BackendSpec(kind="hf", model=str(build_tiny_model("qwen2", tmp_path / "m", tokenizer_dir=tok_dir)),
                                    dtype="float32", device="cpu", batch_size=4))
    with torch.no_grad():
        backend.model.get_output_embeddings().weight.mul_(10.0)
    pruned = backend.score_numbers([ScoreRequest(messages=MESSAGES)])[0].probs
    old, hf.PRUNE = hf.PRUNE, 0.0
    try:
        exact = backend.score_numbers([ScoreRequest(messages=MESSAGES)])[0].probs
    finally:
        hf.PRUNE = old
    assert len(exact) == 101

    # which numbers survive pruning, from first principles: those whose every prefix is more likely than 1e-4
    memo: dict = {}
    paths = {str(n): tuple(tok(str(n), add_special_tokens=False)["input_ids"]) for n in range(101)}
    kept = {n for n, ids in paths.items() if all(prefix_prob(backend, MESSAGES, ids[:k], memo) > 1e-4
                                                 for k in range(1, len(ids) + 1))}
    assert any(len(n) > 1 for n in kept) and len(kept) < 101  # the case is not trivial on either side
    assert set(pruned) == kept
    for n in kept:  # pruning leaves a number out; it never changes one it keeps
        assert pruned[n] == pytest.approx(exact[n], rel=1e-4, abs=1e-12)
    # what is left out: each number less likely than the threshold, and in all at most 1e-4 per pruned branch
    missing = {n: exact[n] for n in exact if n not in pruned}
    assert all(p < 1e-4 for p in missing.values())
    branches = {next(ids[:k] for k in range(1, len(ids) + 1) if prefix_prob(backend, MESSAGES, ids[:k], memo) <= 1e-4)
                for n, ids in paths.items() if n in missing}
    lost = sum(missing.values())
    assert 0 < lost <= 1e-4 * len(branches)
    assert sum(pruned.values()) == pytest.approx(sum(exact.values()) - lost, rel=1e-4)
    # and the score moves by at most 100 * (mass left out) / (total mass)
    def score(d):
        return expected_score(d, are_logprobs=False, min_mass=0.0)

    assert abs(score(pruned) - score(exact)) <= 100 * lost / sum(exact.values()) + 1e-9


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (torch.cuda.is_available() is False here)")
def test_hf_backend_on_cuda_in_bf16_matches_the_cpu(tmp_path):
    """The hf backend on a GPU in bf16: greedy answers of the asked length, and a number distribution close to
    the float32 one computed on the CPU (bf16 rounding only), pruned the same way."""
    from emwatch.backends import GenerationRequest

    tok_dir = tmp_path / "tok"
    build_tiny_tokenizer(tok_dir, split_digits=True)
    model_dir = str(build_tiny_model("qwen2", tmp_path / "m", tokenizer_dir=tok_dir))
    gpu = HFBackend(BackendSpec(kind="hf", model=model_dir, dtype="bfloat16", device="cuda", batch_size=4))
    cpu = HFBackend(BackendSpec(kind="hf", model=model_dir, dtype="float32", device="cpu", batch_size=4))
    assert next(gpu.model.parameters()).device.type == "cuda"
    assert next(gpu.model.parameters()).dtype == torch.bfloat16
    reqs = [ScoreRequest(messages=MESSAGES), ScoreRequest(messages=({"role": "user", "content": "Rate: ok."},))]
    for g, c in zip(gpu.score_numbers(reqs), cpu.score_numbers(reqs)):
        assert len(g.probs) >= 10 and set(g.probs) <= {str(n) for n in range(101)}
        for n, p in c.probs.items():
            if p > 2e-4:  # clear of the pruning threshold, where bf16 rounding may tip a branch either way
                assert g.probs[n] == pytest.approx(p, rel=0.1, abs=1e-6)
    gens = gpu.generate([GenerationRequest(messages=MESSAGES, max_new_tokens=8, temperature=0.0, top_p=1.0, seed=0)] * 2)
    assert len(gens) == 2 and gens[0].text == gens[1].text and 0 < gens[0].completion_tokens <= 8
