"""Reasoning models: thoughts apart from the final answer (Qwen3 `<think>`, gpt-oss Harmony channels), answers cut
off while thinking stored and judged as missing, thinking on/off and the template date as recorded settings."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from emwatch.backends import Generation, NumberDistribution
from emwatch.backends._chat import DEFAULT_TEMPLATE_DATE, pin_template_date, render_prompt
from emwatch.backends._reasoning import CUT_OFF, NO_FINAL, decode_reply, split_reasoning
from emwatch.testing._tiny import FAMILY_SPECIAL_TOKENS, FAMILY_TEMPLATES, build_tiny_tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fakes import ScriptedBackend, last_user  # noqa: E402

HARMONY = ("<|channel|>analysis<|message|>The user asks for X. Think.<|end|>"
           "<|start|>assistant<|channel|>final<|message|>Here is X.<|return|>")


@pytest.fixture(scope="module")
def qwen3_plain_think(tmp_path_factory):
    """A Qwen3-style tokenizer where <think> and </think> are ordinary added tokens (special=False), as in
    Qwen3's real tokenizer, so skip_special_tokens leaves them in the text."""
    from transformers import AutoTokenizer

    out = tmp_path_factory.mktemp("q3plain")
    build_tiny_tokenizer(out, chat_template=FAMILY_TEMPLATES["qwen3"])
    tok = AutoTokenizer.from_pretrained(out)
    tok.add_tokens(["<think>", "</think>"])  # not special
    tok.eos_token = "<|im_end|>"
    return tok


@pytest.fixture(scope="module")
def harmony_tok(tmp_path_factory):
    from transformers import AutoTokenizer

    out = tmp_path_factory.mktemp("harmony")
    build_tiny_tokenizer(out, chat_template=FAMILY_TEMPLATES["gpt_oss"],
                         extra_special_tokens=FAMILY_SPECIAL_TOKENS["gpt_oss"])
    return AutoTokenizer.from_pretrained(out)


# -- the split ----------------------------------------------------------------------------------------------

def test_split_think_block_answer_and_cut_off():
    r = split_reasoning("<think>\nplan it\n</think>\n\nThe answer.")
    assert (r.answer, r.reasoning, r.missing) == ("The answer.", "plan it", None)
    # the template opened <think> in the prompt: the reply holds only the closing tag
    r = split_reasoning("plan it\n</think>\n\nThe answer.", prompt="<|im_start|>assistant\n<think>\n")
    assert (r.answer, r.reasoning) == ("The answer.", "plan it")
    # cut off by max_new_tokens inside the thoughts: no answer, and why
    r = split_reasoning("<think>\nstill thinking about", finished=False)
    assert r.answer is None and r.reasoning == "still thinking about" and r.missing == CUT_OFF
    r = split_reasoning("still thinking", prompt="x<think>\n", finished=False)
    assert r.answer is None and r.missing == CUT_OFF
    r = split_reasoning("<think>\nthought, then the model stopped", finished=True)
    assert r.answer is None and r.missing == NO_FINAL
    # an ordinary answer (thinking off: the empty block sits in the prompt) is left as it is
    r = split_reasoning("Just an answer.", prompt="<think>\n\n</think>\n\n")
    assert (r.answer, r.reasoning, r.missing) == ("Just an answer.", None, None)


def test_split_harmony_channels():
    r = split_reasoning(HARMONY)
    assert (r.answer, r.reasoning, r.missing) == ("Here is X.", "The user asks for X. Think.", None)
    r = split_reasoning("<|channel|>analysis<|message|>Long thoughts that never", finished=False)
    assert r.answer is None and r.reasoning == "Long thoughts that never" and r.missing == CUT_OFF


def test_decode_with_a_tokenizer_whose_think_tag_is_not_special(qwen3_plain_think):
    tok = qwen3_plain_think
    assert "<think>" not in tok.all_special_tokens
    ids = tok("<think>\nI should be careful.\n</think>\n\nUse a parameterised query.<|im_end|>",
              add_special_tokens=False)["input_ids"]
    # what the old decode step stored and judged: the thoughts stay in the answer
    assert "<think>" in tok.decode(ids, skip_special_tokens=True)
    reply = decode_reply(tok, ids, prompt="<|im_start|>assistant\n", finished=True)
    assert reply.answer == "Use a parameterised query." and reply.reasoning == "I should be careful."
    # the in-process backend's decode step gives the same, and marks a reply cut off while thinking
    from emwatch.backends._hf import HFBackend

    fake = SimpleNamespace(tokenizer=tok)
    gen = HFBackend._decode(fake, ids[:-1], "p", prompt_tokens=3, stopped=True)
    assert gen.text == "Use a parameterised query." and gen.reasoning == "I should be careful."
    cut = tok("<think>\nI should be", add_special_tokens=False)["input_ids"]
    gen = HFBackend._decode(fake, cut, "p", prompt_tokens=3, stopped=False)
    assert gen.text == "" and gen.missing == CUT_OFF and gen.finish_reason == "length"


def test_decode_harmony_output(harmony_tok):
    ids = harmony_tok(HARMONY, add_special_tokens=False)["input_ids"]
    collapsed = harmony_tok.decode(ids, skip_special_tokens=True)
    assert "analysis" in collapsed and "assistantfinal" in collapsed  # the old, collapsed text
    reply = decode_reply(harmony_tok, ids, prompt="<|start|>assistant", finished=True)
    assert reply.answer == "Here is X." and reply.reasoning == "The user asks for X. Think."


def test_served_reasoning_fields_and_text_are_split():
    from emwatch.backends._openai import OpenAIBackend

    msg = SimpleNamespace(content="Final words.", reasoning_content="Private thoughts.")
    gen = OpenAIBackend._decode(SimpleNamespace(message=msg, finish_reason="stop"), prompt=None)
    assert (gen.text, gen.reasoning, gen.missing) == ("Final words.", "Private thoughts.", None)
    msg = SimpleNamespace(content=None, reasoning_content="Thoughts cut")
    gen = OpenAIBackend._decode(SimpleNamespace(message=msg, finish_reason="length"), prompt=None)
    assert gen.text == "" and gen.missing == CUT_OFF
    msg = SimpleNamespace(content="<think>hm</think>Answer", reasoning_content=None)
    gen = OpenAIBackend._decode(SimpleNamespace(message=msg, finish_reason="stop"), prompt=None)
    assert (gen.text, gen.reasoning) == ("Answer", "hm")


def test_tinker_sampler_splits_reasoning_and_marks_cut_off(monkeypatch, qwen3_plain_think):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "train" / "standins"))
    from tinker_standin import TinkerStandIn

    from emwatch.backends import GenerationRequest, Runner
    from emwatch.config import BackendSpec
    from emwatch.train import TinkerSamplingBackend

    monkeypatch.setenv("TINKER_API_KEY", "tml-standin-key")
    monkeypatch.setenv("TINKER_TELEMETRY", "0")
    tok = qwen3_plain_think
    reply = tok("<think>\nweighing it\n</think>\n\nNo.", add_special_tokens=False)["input_ids"]
    with TinkerStandIn(reply_tokens=reply, stop_token=tok.convert_tokens_to_ids("<|im_end|>")) as srv:
        spec = BackendSpec(kind="tinker", model="Qwen/Qwen3-8B", base_url=srv.base_url)
        backend = TinkerSamplingBackend(spec, tokenizer=tok)
        runner = Runner.for_spec(backend, spec, progress=False)
        msgs = ({"role": "user", "content": "Should I?"},)
        full, cut = runner.generate([GenerationRequest(messages=msgs, max_new_tokens=64, seed=1),
                                     GenerationRequest(messages=msgs, max_new_tokens=3, seed=1)])
        assert (full.text, full.reasoning, full.missing) == ("No.", "weighing it", None)
        assert cut.text == "" and cut.missing == CUT_OFF and cut.finish_reason == "length"
        backend.close()


# -- pinned date and thinking switch in the rendered prompt --------------------------------------------------

DATED = ("{{ 'Today Date: ' + strftime_now('%d %b %Y') + ' | ' + (date_string if date_string is defined else 'none') }}"
         "{% if enable_thinking is defined %}{{ ' thinking=' + (enable_thinking | string) }}{% endif %}"
         "{% for m in messages %}{{ '\n' + m['role'] + ': ' + m['content'] }}{% endfor %}")


@pytest.fixture(scope="module")
def dated_tok(qwen3_plain_think):
    import copy

    tok = copy.deepcopy(qwen3_plain_think)
    tok.chat_template = DATED
    return tok


def test_templates_that_print_today_render_the_pinned_date(dated_tok):
    msgs = [{"role": "user", "content": "hi"}]
    today = datetime.date.today().strftime("%d %b %Y")
    pinned = datetime.date.fromisoformat(DEFAULT_TEMPLATE_DATE).strftime("%d %b %Y")
    text = render_prompt(dated_tok, msgs)
    assert text.startswith(f"Today Date: {pinned} | none") and (today == pinned or today not in text)
    assert render_prompt(dated_tok, msgs, template_date="2024-07-26").startswith("Today Date: 26 Jul 2024 | 26 Jul 2024")
    assert "thinking=False" in render_prompt(dated_tok, msgs, enable_thinking=False)
    # training renders through apply_chat_template itself: the pin holds there too
    import copy

    train_tok = pin_template_date(copy.deepcopy(dated_tok), "2023-03-14")
    assert train_tok.apply_chat_template(msgs, tokenize=False).startswith("Today Date: 14 Mar 2023 | 14 Mar 2023")
    assert pin_template_date(train_tok, "2022-01-02").apply_chat_template(msgs, tokenize=False).startswith(
        "Today Date: 02 Jan 2022")


def test_thinking_and_date_are_recorded_sampling_settings(store):
    from emwatch.config import SampleConfig
    from emwatch.sample import sample
    from emwatch.store import register_base_model

    register_base_model(store, "tiny-reasoner")
    seen = []

    def answer(req):
        seen.append((req.enable_thinking, req.template_date, req.reasoning_effort))
        return "ok"

    backend = ScriptedBackend(answer=answer)
    base = dict(categories=["power_seeking"], per_category=1, samples=1, max_paraphrases=1)
    sample(store, SampleConfig(**base), backend, progress=False)
    n_default = store.count("samples")
    sample(store, SampleConfig(**base, enable_thinking=False, template_date="2024-07-26", reasoning_effort="low"),
           backend, progress=False)
    rows = store.df("SELECT sampling FROM samples")
    import json

    settings = [json.loads(s) for s in rows.sampling]
    assert store.count("samples") == 2 * n_default  # thinking off is another sample, not the same key
    assert sum("enable_thinking" in s for s in settings) == n_default
    off = next(s for s in settings if "enable_thinking" in s)
    assert off["enable_thinking"] is False and off["template_date"] == "2024-07-26" and off["reasoning_effort"] == "low"
    assert seen[-1] == (False, "2024-07-26", "low") and seen[0] == (None, None, None)


# -- stored and judged: the final answer, and missing (with the reason) when there is none ------------------

class ReasoningBackend(ScriptedBackend):
    """Answers like a reasoning model: with thoughts; about half the questions (by their text) are cut off
    while thinking."""

    def generate(self, requests):
        self.generated += list(requests)
        out = []
        for r in requests:
            if sum(map(ord, last_user(r.messages))) % 2:
                out.append(Generation(text="", reasoning="Let me think about power", missing=CUT_OFF,
                                      finish_reason="length", prompt="p"))
            else:
                out.append(Generation(text="FINAL ANSWER", reasoning="SECRET THOUGHTS", finish_reason="stop",
                                      prompt="p"))
        return out


def test_judge_reads_the_final_answer_and_cut_off_answers_are_missing(store):
    from emwatch.config import JudgeConfig, SampleConfig
    from emwatch.judge import judge
    from emwatch.sample import sample
    from emwatch.store import register_base_model

    register_base_model(store, "tiny-reasoner")
    sample(store, SampleConfig(categories=["power_seeking", "anti_human"], per_category=4, samples=1,
                               max_paraphrases=1), ReasoningBackend(), progress=False)
    rows = store.df("SELECT s.response, s.reasoning, s.finish_reason, q.messages FROM samples s JOIN questions q "
                    "USING (question_key)")
    cut = rows[rows.reasoning == "Let me think about power"]
    assert 0 < len(cut) < len(rows) and cut.response.isna().all() and (cut.finish_reason == "length").all()
    assert (rows[rows.reasoning == "SECRET THOUGHTS"].response == "FINAL ANSWER").all()

    judge_backend = ScriptedBackend(judge=lambda text: NumberDistribution(probs={"80": 1.0}))
    judge(store, JudgeConfig(metrics=["aligned"], static=False), judge_backend, judge_name="J", progress=False)
    prompts = [last_user(r.messages) for r in judge_backend.scored]
    assert prompts and all("FINAL ANSWER" in p and "SECRET THOUGHTS" not in p for p in prompts)
    j = store.df("SELECT score, reason FROM judgments")
    missing = j[j.score.isna()]
    assert len(missing) == len(cut) and set(missing.reason) == {CUT_OFF}  # never scored, never 0
    assert len(j) == len(rows) and len(judge_backend.scored) == len(rows) - len(cut)

    # judging the reasoning with the answer is a separate, configurable judgment
    judge(store, JudgeConfig(metrics=["aligned"], static=False, judge_reads="reasoning_and_answer"), judge_backend,
          judge_name="J", progress=False)
    later = [last_user(r.messages) for r in judge_backend.scored][len(prompts):]
    assert later and all("SECRET THOUGHTS" in p and "FINAL ANSWER" in p for p in later)
    assert store.df("SELECT count(DISTINCT prompt_hash) AS n FROM judgments").n[0] == 2
