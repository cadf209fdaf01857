"""Reasoning and final answer, told apart in a reasoning model's sampled text.

Qwen3 and DeepSeek-R1 style models think inside `<think>…</think>` before answering (the opening tag may sit
in the prompt, as the thinking templates of Qwen3-2507 and DeepSeek-R1 put it there); gpt-oss writes Harmony
messages on channels (`<|channel|>analysis<|message|>…<|end|><|start|>assistant<|channel|>final<|message|>…`).
The judge must read the final answer, not the thoughts; and a reply cut off while still thinking has no answer
at all, which is missing (with that reason), not a short answer.

The split works on text decoded with the special tokens kept, so it does not matter whether a tokenizer marks
`<think>` as special (Qwen3 does not; emwatch's tiny test tokenizer did).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
_HARMONY_MSG = re.compile(
    r"(?:<\|start\|>[^<]*)?<\|channel\|>(?P<channel>\w+)[^<]*<\|message\|>(?P<body>.*?)(?:<\|end\|>|<\|return\|>|<\|call\|>|$)",
    re.S)

CUT_OFF = "cut off inside reasoning: no final answer within max_new_tokens"
NO_FINAL = "no final answer after the reasoning"


@dataclass(frozen=True)
class Reply:
    """`answer` is None when the model gave no final answer; `missing` then says why."""

    answer: str | None
    reasoning: str | None = None
    missing: str | None = None


def prompt_opens_thinking(prompt: str | None) -> bool:
    """The rendered prompt ends inside an open `<think>` block (the reply starts with thoughts, untagged)."""
    return bool(prompt) and prompt.rfind(THINK_OPEN) > prompt.rfind(THINK_CLOSE)


def split_reasoning(text: str, *, prompt: str | None = None, finished: bool = True) -> Reply:
    """Split sampled `text` (special tokens kept) into reasoning and final answer. `finished`: the model
    stopped by itself (False when it hit the token limit)."""
    if "<|channel|>" in text:
        return _harmony(text, finished)
    opened = prompt_opens_thinking(prompt)
    if THINK_CLOSE in text:
        thought, answer = text.split(THINK_CLOSE, 1)
        return Reply(answer=answer.strip(), reasoning=thought.split(THINK_OPEN, 1)[-1].strip())
    start = text.find(THINK_OPEN)
    if opened or (start != -1 and not text[:start].strip()):
        thought = text[start + len(THINK_OPEN):] if start != -1 else text
        return Reply(answer=None, reasoning=thought.strip(), missing=NO_FINAL if finished else CUT_OFF)
    return Reply(answer=text.strip())


def _harmony(text: str, finished: bool) -> Reply:
    thoughts, finals = [], []
    for m in _HARMONY_MSG.finditer(text):
        (finals if m.group("channel") == "final" else thoughts).append(m.group("body").strip())
    reasoning = "\n\n".join(t for t in thoughts if t) or None
    if finals:
        return Reply(answer="\n\n".join(finals), reasoning=reasoning)
    return Reply(answer=None, reasoning=reasoning, missing=NO_FINAL if finished else CUT_OFF)


def special_strings(tokenizer) -> list[str]:
    """Every special (control) token's text, longest first."""
    found = set(getattr(tokenizer, "all_special_tokens", []) or [])
    for tok in (getattr(tokenizer, "added_tokens_decoder", {}) or {}).values():
        if getattr(tok, "special", False):
            found.add(str(tok))
    return sorted((s for s in found if s), key=len, reverse=True)


def decode_reply(tokenizer, token_ids: list[int], *, prompt: str | None, finished: bool) -> Reply:
    """The one decode step of the in-process and Tinker backends: decode keeping special tokens, split
    reasoning from answer, then drop the remaining control tokens from each part."""
    text = tokenizer.decode(token_ids, skip_special_tokens=False)
    reply = split_reasoning(text, prompt=prompt, finished=finished)
    specials = getattr(tokenizer, "_emwatch_control_strings", None)
    if specials is None:  # computed once per tokenizer: some have a thousand reserved special tokens
        specials = [s for s in special_strings(tokenizer) if s not in (THINK_OPEN, THINK_CLOSE)]
        try:
            tokenizer._emwatch_control_strings = specials
        except AttributeError:
            pass

    def clean(part: str | None) -> str | None:
        if part is None:
            return None
        for s in specials:
            part = part.replace(s, "")
        return part.strip()

    return Reply(answer=clean(reply.answer), reasoning=clean(reply.reasoning), missing=reply.missing)
