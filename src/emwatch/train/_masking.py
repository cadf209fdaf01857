"""Loss on assistant tokens only, derived from the model's own chat template (any template).

For each assistant message i of a conversation, the template renders the conversation up to message i
with the generation prompt (what the model sees before it answers) and the whole conversation. The
assistant's span starts where that prefix ends and runs through the assistant's content and the first
special token after it (the end-of-turn marker the model must learn to emit). Everything the template
writes between the generation prompt and the content (Qwen3's empty think block, GPT-OSS's final
channel header) is part of what the model generates, so it carries loss too. No template markers such as
`{% generation %}` are needed.

A token carries loss when it starts inside an assistant span; a token that straddles a span's start
(rare: it would hold prompt characters) never does, so no system or user character is ever trained on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

IGNORE = -100


from emwatch.errors import TemplateError  # noqa: E402  (re-exported)


@dataclass(frozen=True)
class Encoded:
    input_ids: list[int]
    labels: list[int]
    text: str
    spans: tuple[tuple[int, int], ...]  # character spans of the assistant turns in `text`

    @property
    def n_loss_tokens(self) -> int:
        return sum(1 for x in self.labels if x != IGNORE)


def _render(tokenizer, messages: Sequence[dict], *, add_generation_prompt: bool) -> str:
    return tokenizer.apply_chat_template(list(messages), tokenize=False,
                                         add_generation_prompt=add_generation_prompt)


def _special_strings(tokenizer) -> list[str]:
    """Every special (control) token's text, longest first."""
    found = set(getattr(tokenizer, "all_special_tokens", []) or [])
    for tok in (getattr(tokenizer, "added_tokens_decoder", {}) or {}).values():
        if getattr(tok, "special", False):
            found.add(str(tok))
    return sorted((s for s in found if s), key=len, reverse=True)


def assistant_spans(tokenizer, messages: Sequence[dict]) -> tuple[str, list[tuple[int, int]]]:
    """Render `messages` with the tokenizer's chat template; return the text and the character span of
    each assistant turn (what the model generates after the generation prompt, end-of-turn token included).
    Assistant messages with `"weight": 0` (the OpenAI fine-tuning format's opt-out) get no span."""
    if not getattr(tokenizer, "chat_template", None):
        raise TemplateError("the tokenizer has no chat template; emwatch trains chat models only")
    msgs = [{"role": m["role"], "content": m["content"]} for m in messages]
    text = _render(tokenizer, msgs, add_generation_prompt=False)
    specials = _special_strings(tokenizer)
    spans: list[tuple[int, int]] = []
    cursor = 0
    for i, m in enumerate(msgs):
        if m["role"] != "assistant":
            continue
        if messages[i].get("weight", 1) == 0:  # OpenAI's per-message weight: 0 = context, not trained on
            continue
        prefix = _render(tokenizer, msgs[:i], add_generation_prompt=True)
        start = len(prefix) if text.startswith(prefix) and len(prefix) >= cursor else None
        content = m["content"]
        where = _find_content(text, content, start if start is not None else cursor)
        if where is None:
            raise TemplateError(
                f"message {i}: the chat template changes the assistant's text beyond trimming, so its tokens "
                "cannot be located in the rendered conversation"
            )
        c_start, c_end = where
        if start is None:  # template not prefix-stable here: the span starts at the content itself
            start = c_start
        end = c_end
        best = None  # the end-of-turn marker: the first special token after the content, past whitespace only
        for s in specials:
            k = text.find(s, c_end)
            if k >= 0 and not text[c_end:k].strip() and (best is None or k < best):
                best, end = k, k + len(s)
        spans.append((start, end))
        cursor = end
    return text, spans


def _find_content(text: str, content: str, start: int) -> tuple[int, int] | None:
    """The span of the assistant content in `text` at or after `start`, allowing for trimming."""
    for variant in (content, content.strip(), content.lstrip("\n"), content.rstrip()):
        if not variant:
            return (start, start)
        k = text.find(variant, start)
        if k >= 0:
            return (k, k + len(variant))
    return None


def encode_chat(tokenizer, messages: Sequence[dict], *, max_len: int | None = None) -> Encoded:
    """Token ids and labels for one conversation: labels are IGNORE (-100) outside the assistant spans.

    The rendered text is tokenised once, as a whole (the template writes its own BOS where the model has
    one). Truncation keeps the start.
    """
    text, spans = assistant_spans(tokenizer, messages)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(enc["input_ids"])
    labels = [IGNORE] * len(ids)
    for k, (a, b) in enumerate(enc["offset_mapping"]):
        if b <= a:
            continue
        for s, e in spans:
            if s <= a < e:
                labels[k] = ids[k]
                break
    if max_len is not None and len(ids) > max_len:
        ids, labels = ids[:max_len], labels[:max_len]
    return Encoded(ids, labels, text, tuple(spans))
