"""A judge of the sampler's own base model shares the sampler's weights in a worker's backend pool (one copy in
memory, as the CPU demo needs), and still judges with the base weights after the sampler has loaded a LoRA
adapter into them."""

from __future__ import annotations

import pytest

from emwatch.backends import GenerationRequest, ScoreRequest
from emwatch.backends._hf import HFBackend
from emwatch.config import BackendSpec
from emwatch.run._work import BackendPool


@pytest.fixture(scope="module")
def adapter(tiny_qwen2, tmp_path_factory):
    """A LoRA adapter of the tiny model with non-zero weights (so it changes the model's numbers)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_qwen2, dtype=torch.float32)
    peft = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "o_proj"]))
    torch.manual_seed(0)
    with torch.no_grad():
        for name, p in peft.named_parameters():
            if "lora_" in name:
                p.normal_(0, 0.5)
    out = tmp_path_factory.mktemp("adapter") / "a"
    peft.save_pretrained(out)
    return out


def _spec(model, batch):
    return BackendSpec(kind="transformers", model=str(model), dtype="float32", device="cpu", batch_size=batch)


def test_the_judge_shares_the_samplers_weights_and_judges_the_base(tiny_qwen2, adapter):
    question = ScoreRequest(messages=({"role": "user", "content": "Rate this answer from 0 to 100: fine."},))
    alone = HFBackend(_spec(tiny_qwen2, 2))
    base_numbers = alone.score_numbers([question])[0].probs
    alone.close()

    pool = BackendPool(size=1)
    sampler = pool.get(_spec(tiny_qwen2, 4))
    judge = pool.get(_spec(tiny_qwen2, 2))            # another spec (batch size), the same weights
    assert judge is not sampler and judge.model is sampler.model
    assert pool.get(_spec(tiny_qwen2, 2)) is judge
    # the sampler answers on the adapter: PEFT wraps the shared model; the judge sees the wrapped model ...
    sampler.generate([GenerationRequest(messages=({"role": "user", "content": "hi"},), max_new_tokens=2,
                                        temperature=0.0, adapter=str(adapter))])
    assert judge.model is sampler.model and hasattr(judge.model, "peft_config")
    # ... and still scores with the base weights (adapters switched off for its calls)
    shared = judge.score_numbers([question])[0].probs
    assert shared.keys() == base_numbers.keys()
    assert max(abs(shared[k] - base_numbers[k]) for k in shared) < 1e-5
    on_adapter = judge.score_numbers([ScoreRequest(messages=question.messages, adapter=str(adapter))])[0].probs
    assert max(abs(on_adapter.get(k, 0) - base_numbers[k]) for k in base_numbers) > 1e-4  # the adapter matters
    # a different dtype is other weights: loaded on its own (size 1: the sampler and its judge view go)
    other = pool.get(BackendSpec(kind="transformers", model=str(tiny_qwen2), dtype="bfloat16", device="cpu"))
    assert other.model is not None and sampler.model is None and judge.model is None
    pool.close()
