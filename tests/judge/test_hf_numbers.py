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
