"""Which judge's scores a number is computed from: one named judge per metric, never a blend.

A store can hold several judges' scores of the same answers (a judge validated against reference scores,
`emwatch import --judge`). Every rate, interval, figure and export reads one judge per metric, chosen here:

- a judge named by the user (`--judge NAME`, `judge="NAME"`) for every metric it judged; `aligned=ref,coherent=ref`
  names one per metric;
- else the judge a config names (`analyze: {judge: NAME}`), said so in the output;
- else, for a metric judged by exactly one judge, that judge;
- a metric with several judges and none chosen is an error that lists them.

Static analysers (judge names starting with `static:`) always count for their own metrics (`vulnerable`).
Comparing judges is the job of `emwatch judge compare` and the report's agreement section, which read each
judge on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from emwatch.errors import ConfigError

STATIC_PREFIX = "static:"
EM_METRICS = ("aligned", "coherent")
JudgeArg = Any  # str | Mapping[str, str] | JudgeChoice | None


def is_static(judge: str) -> bool:
    return str(judge).startswith(STATIC_PREFIX)


def parse_judge(text: str | Mapping[str, str] | None) -> str | dict[str, str] | None:
    """`--judge` text: one name ('ref') or one per metric ('aligned=ref,coherent=ref')."""
    if text is None or isinstance(text, Mapping):
        return dict(text) if text is not None else None
    text = str(text).strip()
    if not text:
        return None
    if "=" not in text:
        return text
    out: dict[str, str] = {}
    for part in text.split(","):
        metric, sep, name = part.partition("=")
        if not sep or not metric.strip() or not name.strip():
            raise ConfigError(f"--judge {text!r}: give one judge name, or METRIC=NAME pairs separated by commas")
        out[metric.strip()] = name.strip()
    return out


@dataclass(frozen=True)
class JudgeChoice:
    """The judge chosen for each metric judged by a model (static analysers always count besides).

    `judges`: {metric: judge}, the one judge whose scores the metric's numbers use. `per_answer`: {metric:
    judges} for a metric whose judges each judged other answers (an import beside a study judged by another
    model): no answer has two of them, so each answer keeps its one judge's score. `source`: 'named' (by the
    caller), 'config' (by a config), 'only' (the metric's one judge, or one per answer)."""

    judges: dict[str, str] = field(default_factory=dict)
    source: str = "only"
    per_answer: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def sql(self) -> dict[str, str | None]:
        """The {metric: judge} filter for `scores_sql` (None: each answer's one judge)."""
        return {**{m: None for m in self.per_answer}, **self.judges}

    def of(self, metrics: Iterable[str] = EM_METRICS) -> str:
        """The judge of these metrics as one label: 'ref'; 'aligned=ref, coherent=alt' where they differ;
        'imported, ref (each answer by its one judge)' where judges judged separate answers; '' when none."""
        got: dict[str, str] = {}
        for m in metrics:
            if m in self.judges:
                got[m] = self.judges[m]
            elif m in self.per_answer:
                got[m] = f"{', '.join(self.per_answer[m])} (each answer by its one judge)"
        names = set(got.values())
        if not names:
            return ""
        if len(names) == 1:
            return names.pop()
        return ", ".join(f"{m}={n}" for m, n in got.items())

    def describe(self, metrics: Iterable[str] = EM_METRICS) -> str:
        """One line for a table or report: 'judge: ref' with where the choice came from."""
        label = self.of(metrics) or "none (no judged answers)"
        how = " (named in the config)" if self.source == "config" else ""
        return f"judge: {label}{how}"


def choose_judges(pairs: Any, judge: JudgeArg = None, configured: str | Mapping[str, str] | None = None, *,
                  option: str = "--judge") -> JudgeChoice:
    """The judge per metric. `pairs`: the store's judges per metric (`Store.judge_pairs()`: judge_model, metric,
    n_shared = answers another judge of the metric judged too; without n_shared every two judges of a metric
    count as meeting); `judge`: the caller's choice (a name, a {metric: name} mapping, or a JudgeChoice,
    returned as it is); `configured`: a config's choice, used when the caller names none.

    ConfigError where two judges of a metric scored the same answers and none is chosen (the message lists
    them), and where a named judge is not in the store."""
    if isinstance(judge, JudgeChoice):
        return judge
    by_metric: dict[str, dict[str, int]] = {}   # metric -> judge -> answers shared with another judge
    for row in pairs.to_dict("records") if hasattr(pairs, "to_dict") else pairs:
        name, metric = str(row["judge_model"]), str(row["metric"])
        if not is_static(name):
            shared = int(row["n_shared"]) if "n_shared" in row else 1
            by_metric.setdefault(metric, {})[name] = by_metric.get(metric, {}).get(name, 0) + shared
    chosen, source = parse_judge(judge), "named"
    if chosen is None and configured is not None:
        chosen, source, option = parse_judge(configured), "config", "the config's judge"
    if chosen is None:
        source = "only"
    everyone = sorted({n for names in by_metric.values() for n in names})
    out: dict[str, str] = {}
    if isinstance(chosen, str):
        if chosen not in everyone:
            raise ConfigError(f"{option} {chosen}: the store has no judgments by {chosen!r}; "
                              f"its judges: {', '.join(everyone) or 'none'}")
        out = {m: chosen for m, names in by_metric.items() if chosen in names}
    elif isinstance(chosen, dict):
        for metric, name in chosen.items():
            if name not in by_metric.get(metric, {}):
                raise ConfigError(f"{option} {metric}={name}: the store has no {metric!r} judgments by {name!r}; "
                                  f"its judges of {metric!r}: {', '.join(sorted(by_metric.get(metric, {}))) or 'none'}")
            out[metric] = name
    several, per_answer = [], {}
    for metric, names in sorted(by_metric.items()):
        if metric in out:
            continue
        if len(names) == 1:
            out[metric] = next(iter(names))
            continue
        meeting = sorted(n for n, shared in names.items() if shared > 0)
        if meeting:
            several.append(f"{len(meeting)} judges of {metric!r}: {', '.join(meeting)}")
        else:
            per_answer[metric] = tuple(sorted(names))
    if several:
        raise ConfigError(f"store has {'; '.join(several)}; name one with --judge (Python: judge='NAME'); "
                          "compare them with `emwatch judge compare`")
    return JudgeChoice(judges=dict(sorted(out.items())), source=source, per_answer=per_answer)
