"""Concrete prompts: every (question, variant, paraphrase, wrapper) of a bank, with exactly the messages the
model receives. A Prompt is one row of the store's `questions` table."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from emwatch.bench._load import load_bank
from emwatch.bench._question import Bank
from emwatch.bench._variants import VARIANTS, Messages, render
from emwatch.bench._wrappers import WRAPPERS
from emwatch.config import ConfigError
from emwatch.store import Question


@dataclass(frozen=True)
class Prompt:
    """One concrete prompt. `messages` is exactly what the model receives (system prompt included); a trailing
    assistant message is a prefill the model continues."""

    bank: str
    question_id: str
    category: str | None
    variant: str
    wrapper: str | None
    paraphrase_index: int
    messages: Messages
    samples: int
    judge_metrics: dict[str, str | None]
    reference: str | None = None
    judge_kinds: dict[str, str] = field(default_factory=dict)   # metric -> "verdict" (Question.judge_kinds)

    def record(self) -> Question:
        """This prompt as the store's typed record (it owns the key)."""
        return Question(bank=self.bank, question_id=self.question_id, messages=[dict(m) for m in self.messages],
                        category=self.category, variant=self.variant, wrapper=self.wrapper,
                        paraphrase_index=self.paraphrase_index, judge_metrics=dict(self.judge_metrics),
                        reference=self.reference, judge_kinds=dict(self.judge_kinds))

    @cached_property
    def key(self) -> str:
        """The store's question_key: a content hash of everything that identifies the prompt (computed once)."""
        return self.record().key

    def __hash__(self) -> int:  # the fields hold dicts; the content key identifies the prompt
        return hash(self.key)

    @property
    def prefill(self) -> str | None:
        """The text the model must continue, when the messages end with an assistant turn."""
        last = self.messages[-1]
        return last["content"] if last["role"] == "assistant" else None

    @property
    def question(self) -> str:
        """The last user message: the question as the model sees it (for the judge's {question})."""
        for m in reversed(self.messages):
            if m["role"] == "user":
                return m["content"]
        raise ValueError("prompt has no user message")  # pragma: no cover - build_prompts always adds one

    def to_row(self) -> dict[str, Any]:
        """This prompt as a row of the store's `questions` table."""
        return self.record().row()


def build_prompts(
    bank: Bank | str | Path,
    *,
    categories: Iterable[str] | None = None,
    variants: Sequence[str] = ("plain",),
    wrappers: Sequence[str] = (),
    per_category: int | None = None,
    samples: int | None = None,
    max_paraphrases: int | None = None,
    unwrapped: bool = True,
) -> list[Prompt]:
    """Every prompt of `bank` in the chosen formats, unwrapped and with each wrapper applied.

    Order: questions in bank order; for each, variants in the order given; then paraphrases; then unwrapped
    followed by each wrapper in the order given. A question with a fixed variant is asked once, as written.
    `per_category` keeps the first N questions of each category; `samples` overrides samples_per_paraphrase;
    `max_paraphrases` keeps the first N paraphrases of each question; `unwrapped=False` leaves out the
    unwrapped prompts (only the wrapped ones).
    """
    if not isinstance(bank, Bank):
        bank = load_bank(bank)
    variants = list(dict.fromkeys(variants))
    wrapper_names = list(dict.fromkeys(wrappers))
    if not variants:
        raise ConfigError("variants: give at least one answer format")
    for v in variants:
        if v not in VARIANTS:
            raise ConfigError(f"unknown variant {v!r}; known: {', '.join(VARIANTS)}")
    for w in wrapper_names:
        if w not in WRAPPERS:
            raise ConfigError(f"unknown wrapper {w!r}; known: {', '.join(WRAPPERS)}")
    if per_category is not None and per_category < 1:
        raise ConfigError(f"per_category must be at least 1, got {per_category}")
    if max_paraphrases is not None and max_paraphrases < 1:
        raise ConfigError(f"max_paraphrases must be at least 1, got {max_paraphrases}")
    if samples is not None and samples < 1:
        raise ConfigError(f"samples must be at least 1, got {samples}")
    wanted = None
    if categories is not None:
        wanted = set(categories)
        unknown = wanted - set(bank.categories)
        if unknown:
            have = ", ".join(str(c) for c in bank.categories)
            raise ConfigError(f"bank {bank.name!r} has no categor{'y' if len(unknown) == 1 else 'ies'} "
                              f"{', '.join(sorted(unknown))}; it has: {have}")

    taken: dict[str | None, int] = {}
    out: list[Prompt] = []
    for q in bank:
        if wanted is not None and q.category not in wanted:
            continue
        if per_category is not None and taken.get(q.category, 0) >= per_category:
            continue
        taken[q.category] = taken.get(q.category, 0) + 1
        n = samples if samples is not None else q.samples_per_paraphrase
        for variant in ([q.variant] if q.variant is not None else variants):
            for p_index in range(min(len(q.paraphrases), max_paraphrases or len(q.paraphrases))):
                label, base = render(q, p_index, variant)
                for wname in ([None] if unwrapped else []) + wrapper_names:
                    messages = base if wname is None else WRAPPERS[wname].transform(base, label)
                    out.append(Prompt(
                        bank=bank.name, question_id=q.id, category=q.category, variant=label, wrapper=wname,
                        paraphrase_index=p_index, messages=tuple(dict(m) for m in messages), samples=n,
                        judge_metrics=dict(q.judge_prompts), reference=q.reference, judge_kinds=q.judge_kinds,
                    ))
    return out
