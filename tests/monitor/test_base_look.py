"""The base look cache (`base_cache: true`): a second run of the same base model reads the base look (counts, signal
values, the answers KL is read on) instead of sampling and judging it again; any setting that decides the base look
is another file, one that acts after it is not; a damaged file is ignored and rewritten."""

from __future__ import annotations

import pytest

from emwatch.backends import NumberDistribution
from emwatch.config import MonitorConfig
from fakes import ScriptedBackend


def _judge(prompt: str) -> NumberDistribution:
    if prompt.startswith("You are rating how coherent"):
        return NumberDistribution(probs={"90": 1.0})
    return NumberDistribution(probs={"10": 0.5, "90": 0.5})   # aligned 50: not misaligned, coherence asked


@pytest.fixture(scope="module")
def lora(tiny_chat_model):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_chat_model)
    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_chat_model, dtype=torch.float32),
                           LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
    return model, tok


def _base_look(cfg, model, tok, monkeypatch):
    """A monitor's base look (adapters off); returns (monitor, how many probe batches were sampled)."""
    from emwatch.monitor import Monitor, _live, look_live

    sampled = []
    real = _live.generate
    monkeypatch.setattr(_live, "generate", lambda *a, **kw: sampled.append(1) or real(*a, **kw))
    m = Monitor(cfg, run_id="r", judge=ScriptedBackend(judge=_judge), horizon=2)
    with model.disable_adapter():
        look_live(m, 0, model, tok, judge_free=False)
    m.close()
    return m, len(sampled)


CFG = dict(per_category=1, max_probes=3, domain_probes=0, samples=1, max_new_tokens=4, judge_async=False,
           action="flag", cascade_every=2, base_cache=True)


def test_the_second_run_reads_the_base_look_and_judges_nothing(lora, tmp_path, monkeypatch):
    monkeypatch.setenv("EMWATCH_CACHE", str(tmp_path))
    model, tok = lora
    first, sampled1 = _base_look(MonitorConfig(**CFG), model, tok, monkeypatch)
    assert sampled1 == 1 and first.judge_calls == 6 and first.base_cache.is_file()   # 3 answers x 2 metrics
    second, sampled2 = _base_look(MonitorConfig(**CFG, alpha=0.01, name="other"), model, tok, monkeypatch)
    assert sampled2 == 0 and second.judge_calls == 0 and second.base_cache == first.base_cache
    assert (second.base.k, second.base.n, second.base.excluded) == (first.base.k, first.base.n, first.base.excluded)
    assert second.kl_answers == first.kl_answers and len(first.kl_answers) == 3
    assert second.signals[0] == pytest.approx(first.signals[0]) and "canary" in second.signals[0]
    events = {e.signal: e for e in second.events if e.step == 0}
    assert events["probe_em_rate"].detail["cached"] == str(first.base_cache)
    assert events["canary"].detail["cached"] == str(first.base_cache)


@pytest.mark.parametrize("change", [{"max_new_tokens": 5}, {"seed": 1}, {"coherence": "if_unaligned"},
                                    {"canaries": False}, {"aligned_below": 40.0}])
def test_a_setting_that_decides_the_base_look_is_another_file(lora, tmp_path, monkeypatch, change):
    monkeypatch.setenv("EMWATCH_CACHE", str(tmp_path))
    model, tok = lora
    first, _ = _base_look(MonitorConfig(**CFG), model, tok, monkeypatch)
    other, sampled = _base_look(MonitorConfig(**{**CFG, **change}), model, tok, monkeypatch)
    assert sampled == 1 and other.judge_calls > 0 and other.base_cache != first.base_cache


def test_a_damaged_file_is_ignored_and_rewritten_and_no_cache_without_the_setting(lora, tmp_path, monkeypatch):
    monkeypatch.setenv("EMWATCH_CACHE", str(tmp_path))
    model, tok = lora
    first, _ = _base_look(MonitorConfig(**CFG), model, tok, monkeypatch)
    first.base_cache.write_text('{"schema": 1, "counts": {"k": 0')
    again, sampled = _base_look(MonitorConfig(**CFG), model, tok, monkeypatch)
    assert sampled == 1 and again.judge_calls == 6
    third, sampled = _base_look(MonitorConfig(**CFG), model, tok, monkeypatch)
    assert sampled == 0 and third.judge_calls == 0                 # the rewritten file is read
    off, sampled = _base_look(MonitorConfig(**{**CFG, "base_cache": False}), model, tok, monkeypatch)
    assert sampled == 1 and off.base_cache is None


def test_a_judge_spec_of_the_base_folder_is_keyed_by_the_base_models_content(lora, tiny_chat_model, tmp_path,
                                                                               monkeypatch):
    monkeypatch.setenv("EMWATCH_CACHE", str(tmp_path))
    model, tok = lora
    spec = {"kind": "transformers", "model": str(tiny_chat_model)}
    first, _ = _base_look(MonitorConfig(**CFG, judge=spec), model, tok, monkeypatch)
    assert first.base_cache.is_file() and first.judge_calls == 6
    again, sampled = _base_look(MonitorConfig(**CFG, judge=spec), model, tok, monkeypatch)
    assert sampled == 0 and again.judge_calls == 0
    other, sampled = _base_look(MonitorConfig(**CFG, judge={**spec, "batch_size": 3}), model, tok, monkeypatch)
    assert sampled == 1 and other.base_cache != first.base_cache      # another judge spec: another file


def test_the_base_half_of_kl_is_kept_beside_the_base_look(lora, lora_model, tmp_path, monkeypatch):
    """With the cascade KL reads the base model's step-0 answers at every look: the base model's log-probs of them
    are computed at the first look that reads KL, kept beside the cached base look, and read back by the next run
    (no base pass; the same KL to 1e-6). A damaged file is recomputed. Within a run the second look reuses them."""
    from emwatch.monitor import Monitor, _live, look_live
    from emwatch.monitor import _base_look as cache

    monkeypatch.setenv("EMWATCH_CACHE", str(tmp_path))
    base, tok = lora
    # no canaries, KL always in band, every 5th look: no look after the base is judged
    cfg = MonitorConfig(**{**CFG, "cascade_every": 5, "canaries": False, "cascade_bands": {"kl": 1e9}})
    _base_look(cfg, base, tok, monkeypatch)                      # the base look cached (no KL at step 0)
    passes = []
    real = _live.base_logprobs
    monkeypatch.setattr(_live, "base_logprobs", lambda *a, **kw: passes.append(1) or real(*a, **kw))
    model, _ = lora_model      # same base weights and folder, LoRA B drawn non-zero: the KL is not 0

    def run(looks=(1,)) -> list[float]:
        m = Monitor(cfg, run_id="r", judge=ScriptedBackend(judge=_judge), horizon=2)
        with model.disable_adapter():
            look_live(m, 0, model, tok, judge_free=False)
        for step in looks:
            look_live(m, step, model, tok)
        m.close()
        assert m.judge_calls == 0 and m.kl_answers and m.base_cache is not None
        return [m.signals[s]["kl"] for s in looks]

    first = run(looks=(1, 2))
    kept = cache._kl_path(cache.base_look_path(Monitor(cfg, run_id="x", judge=ScriptedBackend(
        judge=_judge)), model))
    assert passes == [1] and kept.is_file() and first[0] > 0.01   # one base pass for two looks
    assert first[1] == pytest.approx(first[0], rel=1e-6)          # the model did not change between them
    second = run()
    assert passes == [1] and second[0] == pytest.approx(first[0], rel=1e-6)   # read from the file
    kept.write_bytes(b"not a torch file")
    third = run()
    assert passes == [1, 1] and third[0] == pytest.approx(first[0], rel=1e-6)  # recomputed (and rewritten)
    assert cache.load_kl(cache.base_look_path(Monitor(cfg, run_id="x", judge=ScriptedBackend(
        judge=_judge)), model)) is not None
