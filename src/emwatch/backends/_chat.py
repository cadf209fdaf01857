"""The one place where a chat template is applied to messages, with the settings that change its text:
thinking on or off, the reasoning effort, and the pinned date for templates that print today's date."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Any

# The date a template that prints "today" sees unless a study pins another (Llama 3's "Today Date", gpt-oss's
# "Current date"): fixed, so that training, sampling and a rerun months later render the same prompt.
DEFAULT_TEMPLATE_DATE = "2025-01-01"


def template_kwargs(*, template_date: str | None = None, enable_thinking: bool | None = None,
                    reasoning_effort: str | None = None) -> dict[str, Any]:
    """Variables for apply_chat_template: `date_string` (Llama 3.1 style) and a `strftime_now` that answers
    with the pinned date instead of the clock (Llama 3.2+, gpt-oss), plus the thinking switches when set."""
    day = _dt.date.fromisoformat(template_date or DEFAULT_TEMPLATE_DATE)
    out: dict[str, Any] = {"date_string": day.strftime("%d %b %Y"), "strftime_now": day.strftime}
    if enable_thinking is not None:
        out["enable_thinking"] = enable_thinking
    if reasoning_effort is not None:
        out["reasoning_effort"] = reasoning_effort
    return out


def has_prefill(messages: Sequence[dict]) -> bool:
    """A trailing assistant message is an answer start the model must continue."""
    return bool(messages) and messages[-1].get("role") == "assistant"


def render_prompt(tokenizer, messages: Sequence[dict], *, template_date: str | None = None,
                  enable_thinking: bool | None = None, reasoning_effort: str | None = None) -> str:
    """Render chat messages with the tokenizer's own chat template, ready for the model's next token.

    A trailing assistant message is continued (prefill); otherwise the assistant turn is opened. The date
    the template sees is pinned (DEFAULT_TEMPLATE_DATE unless `template_date` is given).
    """
    kw = template_kwargs(template_date=template_date, enable_thinking=enable_thinking,
                         reasoning_effort=reasoning_effort)
    msgs = [{"role": m["role"], "content": m["content"]} for m in messages]
    if getattr(tokenizer, "chat_template", None) is None:
        raise ValueError(
            "this tokenizer has no chat template; emwatch samples chat models only (set tokenizer.chat_template)"
        )
    if has_prefill(msgs):
        return tokenizer.apply_chat_template(msgs, tokenize=False, continue_final_message=True,
                                             add_generation_prompt=False, **kw)
    return tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True, **kw)


def pin_template_date(tokenizer, template_date: str | None = None):
    """The tokenizer with its chat template's date pinned for every caller (training renders through
    apply_chat_template in several places); returns the same tokenizer."""
    if getattr(tokenizer, "_emwatch_template_date", None) is not None:
        tokenizer.apply_chat_template = tokenizer._emwatch_apply  # re-pin to the new date
    original = tokenizer.apply_chat_template
    fixed = template_kwargs(template_date=template_date)

    def apply(*args, **kwargs):
        return original(*args, **{**fixed, **kwargs})

    tokenizer._emwatch_apply = original
    tokenizer._emwatch_template_date = template_date or DEFAULT_TEMPLATE_DATE
    tokenizer.apply_chat_template = apply
    return tokenizer


def load_tokenizer(source: str, *, field: str):
    """A transformers tokenizer from a local folder or hub-style name; `field` is the config field that gave
    it (named, with the cause, in the ConfigError when it cannot be loaded)."""
    from transformers import AutoTokenizer

    from emwatch.config import ConfigError

    try:
        return AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as e:
        raise ConfigError(f"{field}: cannot load the tokenizer of {source!r} ({e}); give a local folder "
                          "with the model's tokenizer and chat template") from None
