"""The one place where a chat template is applied to messages."""

from __future__ import annotations

from collections.abc import Sequence


def has_prefill(messages: Sequence[dict]) -> bool:
    """A trailing assistant message is an answer start the model must continue."""
    return bool(messages) and messages[-1].get("role") == "assistant"


def render_prompt(tokenizer, messages: Sequence[dict]) -> str:
    """Render chat messages with the tokenizer's own chat template, ready for the model's next token.

    A trailing assistant message is continued (prefill); otherwise the assistant turn is opened.
    """
    msgs = [{"role": m["role"], "content": m["content"]} for m in messages]
    if getattr(tokenizer, "chat_template", None) is None:
        raise ValueError(
            "this tokenizer has no chat template; emwatch samples chat models only (set tokenizer.chat_template)"
        )
    if has_prefill(msgs):
        return tokenizer.apply_chat_template(msgs, tokenize=False, continue_final_message=True,
                                             add_generation_prompt=False)
    return tokenizer.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)


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
