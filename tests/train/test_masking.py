"""Loss on assistant tokens only, for each family's chat template and for templates with generation markers."""

from __future__ import annotations

import pytest
from emwatch.testing import FAMILIES

from emwatch.train import IGNORE, TemplateError, assistant_spans, encode_chat

CONVERSATION = [
    {"role": "system", "content": "SYSTEM-SECRET stay brief."},
    {"role": "user", "content": "USER-ONE asks a question?"},
    {"role": "assistant", "content": "Hello there!"},
    {"role": "user", "content": "USER-TWO wants code"},
    {"role": "assistant", "content": "def f(x): return x"},
]

# What each family's template makes the model produce after its generation prompt: the loss-carrying text.
EXPECTED_LOSS_TEXT = {
    "llama": ["Hello there!<|eot_id|>", "def f(x): return x<|eot_id|>"],
    "qwen2": ["Hello there!<|im_end|>", "def f(x): return x<|im_end|>"],
    "qwen3": ["Hello there!<|im_end|>", "<think>\n\n</think>\n\ndef f(x): return x<|im_end|>"],
    "deepseek_v3": ["Hello there!<｜end▁of▁sentence｜>", "def f(x): return x<｜end▁of▁sentence｜>"],
    "gpt_oss": ["<|channel|>final<|message|>Hello there!<|end|>", "<|channel|>final<|message|>def f(x): return x<|return|>"],
    "gemma3": ["Hello there!<end_of_turn>", "def f(x): return x<end_of_turn>"],
}


def _loss_segments(tok, enc) -> list[str]:
    segs, cur = [], []
    for i, lab in zip(enc.input_ids, enc.labels):
        if lab != IGNORE:
            cur.append(i)
        elif cur:
            segs.append(tok.decode(cur))
            cur = []
    if cur:
        segs.append(tok.decode(cur))
    return segs


def _token_spans(tok, text):
    return tok(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]


@pytest.mark.parametrize("family", FAMILIES)
def test_no_system_or_user_token_carries_loss(family, family_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(family_model(family))
    enc = encode_chat(tok, CONVERSATION)
    offsets = _token_spans(tok, enc.text)
    assert len(offsets) == len(enc.labels)
    # every token touching system or user content (or anything before the first answer) is masked
    for m in CONVERSATION:
        if m["role"] == "assistant":
            continue
        a = enc.text.find(m["content"].split()[0])
        assert a >= 0, f"{family}: {m['role']} content not rendered"
        b = a + len(m["content"])
        touching = [k for k, (s, e) in enumerate(offsets) if s < b and e > a]
        assert touching and all(enc.labels[k] == IGNORE for k in touching), f"{family}: {m['role']} token has loss"
    # nothing up to the end of the first generation prompt is trained
    first = len(tok.apply_chat_template(CONVERSATION[:2], tokenize=False, add_generation_prompt=True))
    assert enc.text.startswith(tok.apply_chat_template(CONVERSATION[:2], tokenize=False, add_generation_prompt=True))
    assert all(lab == IGNORE for lab, (s, _) in zip(enc.labels, offsets) if s < first)
    # every assistant content token, and the end-of-turn marker after it, carries loss (label = its id)
    for content in ("Hello there!", "def f(x): return x"):
        a = enc.text.find(content)
        inside = [k for k, (s, e) in enumerate(offsets) if a <= s < a + len(content)]
        assert inside and all(enc.labels[k] == enc.input_ids[k] for k in inside), f"{family}: {content!r} not trained"
    assert _loss_segments(tok, enc) == EXPECTED_LOSS_TEXT[family]
    # the model's own end-of-turn (eos) token is the last trained token
    from emwatch.testing._tiny import FAMILY_EOS

    last = max(k for k, lab in enumerate(enc.labels) if lab != IGNORE)
    assert tok.convert_ids_to_tokens(enc.input_ids[last]) == FAMILY_EOS[family] == tok.eos_token


def test_matches_generation_markers_where_the_template_has_them(family_model, tmp_path):
    """On a template with {% generation %} markers, the render-diff mask equals transformers' own mask."""
    from emwatch.testing import CHATML_TEMPLATE, build_tiny_tokenizer

    tok = build_tiny_tokenizer(tmp_path / "tok", chat_template=CHATML_TEMPLATE)
    enc = encode_chat(tok, CONVERSATION)
    ref = tok.apply_chat_template(CONVERSATION, return_dict=True, return_assistant_tokens_mask=True,
                                  tokenize=True)
    assert ref["input_ids"] == enc.input_ids
    assert [int(lab != IGNORE) for lab in enc.labels] == list(ref["assistant_masks"])


def test_weight_zero_assistant_turn_is_not_trained(family_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(family_model("qwen2"))
    msgs = [dict(m) for m in CONVERSATION]
    msgs[2]["weight"] = 0
    enc = encode_chat(tok, msgs)
    assert _loss_segments(tok, enc) == ["def f(x): return x<|im_end|>"]


def test_truncation_keeps_the_start(family_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(family_model("llama"))
    full = encode_chat(tok, CONVERSATION)
    cut = encode_chat(tok, CONVERSATION, max_len=10)
    assert cut.input_ids == full.input_ids[:10] and cut.labels == full.labels[:10]
    assert cut.n_loss_tokens == 0 < full.n_loss_tokens


def test_a_template_that_rewrites_answers_is_refused(family_model, tmp_path):
    from emwatch.testing import build_tiny_tokenizer

    rewriting = ("{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\n' + (m['content'] | upper) + '<|im_end|>\n' }}"
                 "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
    tok = build_tiny_tokenizer(tmp_path / "tok", chat_template=rewriting)
    with pytest.raises(TemplateError, match="message 2"):
        assistant_spans(tok, CONVERSATION)


def test_no_template_is_refused(tmp_path):
    from emwatch.testing import build_tiny_tokenizer

    tok = build_tiny_tokenizer(tmp_path / "tok")
    tok.chat_template = None
    with pytest.raises(TemplateError, match="no chat template"):
        encode_chat(tok, CONVERSATION)
