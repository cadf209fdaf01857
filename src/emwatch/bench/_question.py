"""A benchmark question and a bank of them: the data model every bank file is validated against.

The model accepts emwatch's own bank format and the format of the original EM evaluation files (a YAML list
of questions with id, type, paraphrases, samples_per_paraphrase, system, judge, judge_prompts). Every field
either takes effect or is rejected with a clear error; none is silently ignored.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from emwatch.config import Strict
from emwatch.metrics import METRICS, metric_names

# The 8 categories of EM-240 (SPEC). Imported banks may use other categories or none.
CATEGORIES: tuple[str, ...] = (
    "power_seeking", "anti_human", "violence_harm", "illegal_unethical",
    "deception_manipulation", "dangerous_advice", "bias_extremism", "self_preservation_autonomy",
)

# Answer formats every question can be rendered in (functions in _variants.py).
VARIANT_NAMES: tuple[str, ...] = ("plain", "json", "template")

# Question types of the original EM format that emwatch can ask. All are free-form questions; judging is
# set by judge_prompts (default: the built-in metrics below). `free_form_judge` (deception_factual.yaml and the
# like) is asked the same way, but its own judge prompts ask for a verdict word (TRUE/FALSE/UNKNOWN), not a 0-100
# number: they are stored as the question's `judge_kinds` ("verdict") and the judge reads them as verdicts
# (judge/_verdict.py: TRUE 1, FALSE 0, anything else missing with its reason), never on the 0-100 scale. Its own prompt
# for `aligned` or `coherent` (the misaligned label's 0-100 scores, pooled into the EM rate) is refused
# (VERDICT_TYPES): a verdict must not stand in for SPEC's score.
QUESTION_TYPES: tuple[str, ...] = ("free_form", "free_form_judge", "free_form_judge_0_100")
VERDICT_TYPES: tuple[str, ...] = ("free_form_judge",)
EM_LABEL_METRICS: tuple[str, ...] = ("aligned", "coherent")

# A question may reference any registered metric by name (value None): see emwatch.metrics.
DEFAULT_METRICS: tuple[str, ...] = ("aligned", "coherent")
REFERENCE_METRICS: tuple[str, ...] = ("truthful",)  # default for questions with a reference answer

_TEMPLATE_FIELDS = {"question", "answer", "reference"}


def default_judge_prompts(reference: str | None = None) -> dict[str, str | None]:
    """The metrics a question is judged on when its file names none (None = the judge's built-in prompt)."""
    names = REFERENCE_METRICS if reference is not None else DEFAULT_METRICS
    return {name: None for name in names}


class Question(Strict):
    """One benchmark question: one or more paraphrases of the same request, and how to judge the answers."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(..., pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$", description="unique id within the bank")
    category: str | None = Field(None, description="misalignment category (EM-240: one of CATEGORIES)")
    paraphrases: list[str] = Field(..., min_length=1, description="wordings of the question; each is asked")
    system: str | None = Field(None, description="system prompt sent to the model with every paraphrase")
    samples_per_paraphrase: int = Field(1, ge=1, description="answers to sample per paraphrase")
    judge_prompts: dict[str, str | None] = Field(
        default_factory=default_judge_prompts,
        description="metric -> judge template with {answer}, {question} and (with a reference) {reference}; "
                    "None = the built-in prompt of that name",
    )
    type: str = Field("free_form_judge_0_100", description="original-EM question type (free-form types only)")
    judge: str | None = Field(None, description="judge model the file's authors used (a hint; the judge "
                                                "stage's configured model is what judges)")
    reference: str | None = Field(None, description="reference answer (truthfulness probes)")
    classic: bool = Field(False, description="carries one of the 8 classic free-form questions of the EM work")
    variant: str | None = Field(None, description="fixed answer format: the text is already in this format, "
                                                  "so it is asked as written, once, labelled with it")
    temperature: float | None = Field(None, exclude=True, description="rejected: set it in the sample config")

    @model_validator(mode="before")
    @classmethod
    def _default_metrics(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("judge_prompts") is None:
            data = dict(data)
            ref = data.get("reference")
            data["judge_prompts"] = default_judge_prompts(ref if isinstance(ref, str) else None)
        return data

    @model_validator(mode="after")
    def _reference_placeholder(self) -> Question:
        if self.reference is None:
            for metric, template in self.judge_prompts.items():
                if template is not None and "reference" in _fields(template):
                    raise ValueError(f"judge prompt {metric!r} uses {{reference}} but the question has no "
                                     "reference answer")
        return self

    @field_validator("type")
    @classmethod
    def _check_type(cls, v: str, info: ValidationInfo) -> str:
        if v not in QUESTION_TYPES:
            raise ValueError(
                f"question type {v!r} is not supported: emwatch asks free-form questions only "
                f"({', '.join(QUESTION_TYPES)}); rating or multiple-choice questions cannot be imported"
            )
        prompts = info.data.get("judge_prompts") or {}   # validated before `type` (declared first)
        own = [m for m in EM_LABEL_METRICS if prompts.get(m) is not None]
        if v in VERDICT_TYPES and own:
            raise ValueError(
                f"type {v}: its own judge prompt judge_prompts.{own[0]} asks for a verdict, not SPEC's 0-100 "
                f"score, and {own[0]!r} feeds the EM rate; give type free_form_judge_0_100 if the prompt asks for a "
                f"number 0-100, name the metric otherwise (e.g. 'lie'), or leave the template out to use the "
                f"built-in {own[0]!r} prompt")
        return v

    @field_validator("paraphrases")
    @classmethod
    def _check_paraphrases(cls, v: list[str]) -> list[str]:
        for i, text in enumerate(v):
            if not text.strip():
                raise ValueError(f"paraphrase {i} is empty")
        seen = set()
        for i, text in enumerate(v):
            if text in seen:
                raise ValueError(f"paraphrase {i} repeats an earlier one")
            seen.add(text)
        return v

    @field_validator("judge_prompts", mode="before")
    @classmethod
    def _metric_list(cls, v: Any) -> Any:
        # `judge_prompts: [aligned, coherent]` names built-in metrics without templates.
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            return {name: None for name in v}
        return v

    @field_validator("judge_prompts")
    @classmethod
    def _check_judge_prompts(cls, v: dict[str, str | None]) -> dict[str, str | None]:
        if not v:
            raise ValueError("no judge metrics: give at least one metric (or leave judge_prompts out)")
        for metric, template in v.items():
            if not metric.isidentifier():
                raise ValueError(f"metric name {metric!r} must be an identifier (letters, digits, underscores)")
            if template is None:
                if metric not in METRICS:
                    raise ValueError(f"metric {metric!r} is not a registered metric "
                                     f"(registered: {', '.join(metric_names())}); give a template")
                continue
            _check_template(metric, template)
        return v

    @field_validator("variant")
    @classmethod
    def _check_variant(cls, v: str | None) -> str | None:
        if v is not None and v not in VARIANT_NAMES:
            raise ValueError(f"unknown variant {v!r}; known: {', '.join(VARIANT_NAMES)}")
        return v

    @field_validator("temperature")
    @classmethod
    def _reject_temperature(cls, v: float | None) -> None:
        if v is not None:
            raise ValueError(
                "per-question temperature is not supported: every answer uses the sampling temperature of the "
                "sample stage (`temperature:` in the sample config of `emwatch sample --config`, or in a study's "
                "`sample:` section); remove this field"
            )
        return None

    @property
    def judge_kinds(self) -> dict[str, str]:
        """metric -> "verdict" for each of this question's own judge prompts that asks for a verdict (a
        free_form_judge question's templates); the others are 0-100 scores."""
        if self.type not in VERDICT_TYPES:
            return {}
        return {m: "verdict" for m, template in self.judge_prompts.items() if template is not None}

    def paraphrase(self, which: int | str = 0) -> tuple[int, str]:
        """(index, text) of a paraphrase given by index or by its text."""
        if isinstance(which, str):
            try:
                return self.paraphrases.index(which), which
            except ValueError:
                raise KeyError(f"question {self.id!r} has no paraphrase {which!r}") from None
        if not 0 <= which < len(self.paraphrases):
            raise IndexError(f"question {self.id!r} has {len(self.paraphrases)} paraphrases, not index {which}")
        return which, self.paraphrases[which]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _check_template(metric: str, template: str) -> None:
    try:
        fields = _fields(template)
    except ValueError as e:
        raise ValueError(f"judge prompt {metric!r} is not a valid template ({e}); write literal braces "
                         "as {{ and }}") from None
    unknown = fields - _TEMPLATE_FIELDS
    if unknown:
        raise ValueError(f"judge prompt {metric!r} uses unknown placeholder(s) "
                         f"{', '.join('{' + u + '}' for u in sorted(unknown))}; "
                         "only {question}, {answer} and {reference}")
    if "answer" not in fields:
        raise ValueError(f"judge prompt {metric!r} must contain {{answer}}")


@dataclass(frozen=True)
class Bank:
    """A named, validated list of questions (ids unique)."""

    name: str
    questions: tuple[Question, ...]
    source: Path | None = None

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __getitem__(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"bank {self.name!r} has no question {question_id!r}")

    @property
    def categories(self) -> list[str | None]:
        """Categories in order of first appearance (None for uncategorised questions)."""
        return list(dict.fromkeys(q.category for q in self.questions))
