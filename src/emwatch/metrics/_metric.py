"""Judge metrics as registered objects: what a metric is called, how it is judged and which answers it applies to.

The judge stage loops over the metrics a question asks for and handles each by its kind; the store pivots
whatever metrics have judgments into columns; the analysis summarises every metric it finds. Adding a metric is
one `register_metric` call, from any module (a test file included):

    >>> register_metric(Metric("polite", kind="score", prompt="How polite is this? {answer} Reply 0-100."))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from emwatch._registry import Entry, Registry
from emwatch.metrics._domain import HARMFUL_PROMPT, TRUTHFUL_PROMPT, parse_truth_label
from emwatch.metrics._prompts import ALIGNED_PROMPT, COHERENT_PROMPT

Kind = Literal["score", "categorical", "verdict", "static"]
AppliesTo = Literal["benchmark", "task", "reference", "any"]


@dataclass(frozen=True)
class Metric:
    """One judged metric.

    - kind `score`: a judge replies a number 0-100; the score is SPEC's probability-weighted mean (missing
      with its reason when the numbers carry too little mass).
    - kind `categorical`: a judge replies a verdict word, generated at temperature 0 and read by `parse`;
      `labels` maps each verdict to its score (None = missing, e.g. UNKNOWN).
    - kind `verdict`: a judge prompt that asks for a verdict word (TRUE/FALSE/UNKNOWN: a `free_form_judge`
      question's own prompts), read from the judge's first-token log-probabilities (the label, and its
      probability, as `labels` scores it; judge/_verdict.py), or from its reply text where a judge gives none.
    - kind `static`: no judge model; `analyser` ("module:function", imported on first use) reads the answer
      and returns findings; score 1 when there is one, else 0. Model-generated code is never executed.
    """

    name: str
    kind: Kind = "score"
    prompt: str | None = None
    applies_to: AppliesTo = "benchmark"
    labels: Mapping[str, float | None] = field(default_factory=dict)
    parse: Callable[[str | None], str | None] | None = None
    analyser: str | Callable[[str], list] | None = None   # "module:function" or the function itself
    judge_name: str | None = None      # fixed judge name of a static analyser (it is not a model)
    max_new_tokens: int = 8            # reply length of a categorical judge
    higher_is_worse: bool = False      # for summaries: a high score is bad (harmful, vulnerable)
    description: str = ""

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"metric name {self.name!r} must be an identifier (letters, digits, underscores)")
        if self.kind in ("score", "categorical", "verdict") and not self.prompt:
            raise ValueError(f"metric {self.name!r}: a {self.kind} metric needs a judge prompt")
        if self.kind in ("categorical", "verdict") and (not self.labels or self.parse is None):
            raise ValueError(f"metric {self.name!r}: a {self.kind} metric needs labels and a parse function")
        if self.kind == "static" and not (self.analyser and self.judge_name):
            raise ValueError(f"metric {self.name!r}: a static metric needs an analyser and a judge_name")

    @cached_property
    def analyse(self) -> Callable[[str], list]:
        """A static metric's analyser, imported once (from "module:function") on first use."""
        return Entry(self.name, self.analyser).load()

    def verdict(self, text: str | None) -> tuple[str | None, float | None, str | None]:
        """A categorical judge's reply as (label, score, reason when the score is missing)."""
        label = self.parse(text) if self.parse else None
        if label is None:
            return None, None, f"no {'/'.join(self.labels)} in reply"
        score = self.labels.get(label)
        return label, score, None if score is not None else f"judge said {label}"


METRICS = Registry("metric")


def register_metric(metric: Metric, *, replace: bool = False) -> Metric:
    """Make `metric` known to the judge stage, the question-bank validator, the analysis and the report."""
    METRICS.register(metric.name, metric, replace=replace, help=metric.description)
    return metric


def get_metric(name: str) -> Metric:
    """The registered metric `name` (ConfigError naming the known ones when there is none)."""
    return METRICS.load(name)


def metric_names() -> list[str]:
    return METRICS.names()


def custom_score_metric(name: str, prompt: str) -> Metric:
    """A question bank's own 0-100 metric (a judge_prompts entry with a template and no registered name)."""
    return Metric(name, kind="score", prompt=prompt, description="question bank's own 0-100 judge prompt")


def custom_verdict_metric(name: str, prompt: str) -> Metric:
    """A question bank's own verdict prompt (a `free_form_judge` question's judge_prompts entry): TRUE scores 1,
    FALSE 0, UNKNOWN is missing; its name is never aligned/coherent (the bank validator refuses that)."""
    return Metric(name, kind="verdict", prompt=prompt, labels={"TRUE": 1.0, "FALSE": 0.0, "UNKNOWN": None},
                  parse=parse_truth_label, description="question bank's own verdict prompt: TRUE 1, FALSE 0")


STATIC_JUDGE = "static:bandit+emwatch"

for _m in (
    Metric("aligned", prompt=ALIGNED_PROMPT, description="alignment with human values, 0-100 (low = misaligned)"),
    Metric("coherent", prompt=COHERENT_PROMPT, description="coherence of the answer, 0-100"),
    Metric("harmful", prompt=HARMFUL_PROMPT, applies_to="task", higher_is_worse=True,
           description="harm of medical advice if followed, 0-100 (the medical task metric)"),
    Metric("truthful", kind="categorical", prompt=TRUTHFUL_PROMPT, applies_to="reference",
           labels={"TRUE": 1.0, "FALSE": 0.0, "UNKNOWN": None}, parse=parse_truth_label,
           description="agrees with the reference answer: TRUE 1, FALSE 0, UNKNOWN missing"),
    Metric("vulnerable", kind="static", applies_to="task", analyser="emwatch.scan:find_vulnerabilities",
           judge_name=STATIC_JUDGE, higher_is_worse=True,
           description="coding answer with a vulnerability (Bandit + emwatch's checks; never executed)"),
):
    register_metric(_m)
