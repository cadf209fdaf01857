"""The one place where a chat template is applied to messages, with the settings that change its text:
thinking on or off, the reasoning effort, and the pinned date for templates that print today's date."""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Sequence
from typing import Any

# The date a template that prints "today" sees unless a study pins another (Llama 3's "Today Date", gpt-oss's
# "Current date"): fixed, so that training, sampling and a rerun months later render the same prompt.
DEFAULT_TEMPLATE_DATE = "2025-01-01"


_STRFTIME_NOW = re.compile(r"""strftime_now\(\s*(['"])(.*?)\1\s*\)""")


def pinned_template(template: str, template_date: str | None = None) -> str:
    """The chat template with today's date replaced by the pinned one: every `strftime_now("FMT")` call (Llama
    3.2+, gpt-oss) becomes the pinned date in that format, and an explicit `template_date` also sets
    `date_string` (Llama 3.1's variable; without one, that template prints its own fixed date). Done on the
    template text because transformers hands templates only plain data, no functions."""
    day = _dt.date.fromisoformat(template_date or DEFAULT_TEMPLATE_DATE)
    out = _STRFTIME_NOW.sub(lambda m: json.dumps(day.strftime(m.group(2))), template)
    if template_date:
        out = "{%- set date_string = " + json.dumps(day.strftime("%d %b %Y")) + " -%}" + out
    return out


def template_kwargs(tokenizer, *, template_date: str | None = None, enable_thinking: bool | None = None,
                    reasoning_effort: str | None = None) -> dict[str, Any]:
    """Keyword arguments of apply_chat_template: the date-pinned template, and the thinking switches when set."""
    out: dict[str, Any] = {}
    template = getattr(tokenizer, "chat_template", None)
    if isinstance(template, str):
        out["chat_template"] = pinned_template(template, template_date)
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
    kw = template_kwargs(tokenizer, template_date=template_date, enable_thinking=enable_thinking,
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
    apply_chat_template in several places); returns the same tokenizer. Pinning again re-pins from the
    original template."""
    original = getattr(tokenizer, "_emwatch_original_template", None) or tokenizer.chat_template
    if isinstance(original, str):
        tokenizer._emwatch_original_template = original
        tokenizer.chat_template = pinned_template(original, template_date)
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
