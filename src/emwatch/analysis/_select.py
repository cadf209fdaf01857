"""One table of a study, chosen by name: plain EM rates grouped by keys, or one of the study's analyses.

This is what `emwatch analyze` prints; the command passes its options straight to `analysis_table`, so the
choice of answers (which formats and wrappers a rate counts) lives here, beside the analyses, not in the CLI.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from emwatch.analysis._early_stop import POLICIES
from emwatch.analysis._rates import em_rates, load_answers, parse_keys
from emwatch.analysis._sql_rates import em_rates_from_store
from emwatch.analysis._study import DEFAULT_POLICY, analyze_study
from emwatch.config import AnalyzeConfig
from emwatch.errors import ConfigError
from emwatch.store import JudgeChoice, choose_judges

STUDY_VIEWS: dict[str, tuple[str, str]] = {
    # view name -> (StudyResults attribute, one line of help)
    "summary": ("summary", "the study table: per model size, EM per seed, consistency, onset, retention"),
    "consistency": ("consistency", "per configuration: seeds above base and the consistency verdict"),
    "size": ("size_stats", "size against EM: Pearson r, intervals, Spearman rho, leave-one-out r"),
    "size-points": ("size_points", "per model: parameters and EM rate"),
    "dynamics": ("milestones", "per run: convergence step, onset step, their gap"),
    "curves": ("dynamics", "per run and checkpoint: task metric, held-out loss, EM rate"),
    "early-stop": ("early_stop_summary", "per dataset and policy: retention and share of runs where EM is eliminated"),
    "early-stop-runs": ("early_stop", "per run and policy: chosen step, retention, EM there"),
    "lr": ("learning_rate", "per model and learning rate: EM rate and task metric"),
    "formats": ("formats", "EM rate per answer format, base and final checkpoints"),
    "adversarial": ("adversarial", "EM rate per adversarial wrapper: base, early-stopped, final"),
    "truthfulness": ("truthfulness_early_stop", "per run: untruthful at the end, and avoided by early stopping?"),
    "truthfulness-curves": ("truthfulness", "per run and checkpoint: untruthful rate"),
    "tasks": ("tasks", "per checkpoint and task: planted-class and any-vulnerability rates, harmful share"),
    "sensitivity": ("sensitivity", "per run and step: mean aligned / coherent and EM at several alignment thresholds"),
}
# keys every plain-rates row is split by (when the answers have them), so that a row never pools a base model with
# its fine-tunes, or different training sets, and calls their runs seeds
SPLIT_KEYS = ("run_kind", "dataset")


def select_answers(answers: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The answers an EM rate grouped by `by` counts: unless `wrapper` is a key, only answers without an
    adversarial wrapper; unless `variant` is a key, only the plain format (or no format recorded)."""
    keep = pd.Series(True, index=answers.index)
    if "wrapper" not in by and "wrapper" in answers:
        keep &= answers["wrapper"].isna()
    if "variant" not in by and "variant" in answers:
        keep &= answers["variant"].isna() | (answers["variant"] == "plain")
    return answers[keep]


def plain_filters(by: Sequence[str]) -> list[str]:
    """select_answers' choice as the SQL path's answer filters (Store.rate_counts `only`)."""
    return [f for f, key in (("unwrapped", "wrapper"), ("plain", "variant")) if key not in by]


def check_table_options(by: str | Sequence[str] | None = "model", view: str | None = None,
                        policy: str = DEFAULT_POLICY) -> list[str]:
    """The grouping keys of `by`; ConfigError naming the option for an unknown key, view or policy."""
    if view is not None and view not in STUDY_VIEWS:
        raise ConfigError(f"--view: unknown view {view!r}; choose from {', '.join(STUDY_VIEWS)}")
    if policy not in POLICIES:
        raise ConfigError(f"--policy: unknown early-stopping policy {policy!r}; registered: {', '.join(POLICIES)}")
    try:
        return parse_keys(by)
    except ValueError as e:
        raise ConfigError(f"--by: {e}") from None


def resolve_judge(store: Any, judge: Any = None, cfg: AnalyzeConfig = AnalyzeConfig()) -> JudgeChoice:
    """The judge per metric that every number read from `store` uses: `judge` (a name, 'metric=name,...', a
    mapping or a JudgeChoice), else `cfg.judge`, else each metric's only judge; ConfigError listing the judges
    of a metric that has several and none named (emwatch.store._judges)."""
    return choose_judges(store.judge_pairs(), judge, cfg.judge)


def name_judge(table: pd.DataFrame, choice: JudgeChoice | None) -> pd.DataFrame:
    """`table` with a `judge` column naming the judge of its EM numbers (aligned/coherent)."""
    if choice is None or "judge" in table.columns:
        return table
    return table.assign(judge=pd.Series(choice.of() or None, index=table.index, dtype=object))


def analysis_table(store_or_answers: Any, *, by: str | Sequence[str] | None = "model", view: str | None = None,
                   cfg: AnalyzeConfig = AnalyzeConfig(), sizes: str | Path | pd.DataFrame | None = None,
                   policy: str = DEFAULT_POLICY, judge: Any = None) -> pd.DataFrame:
    """Without `view`: EM rates grouped by the keys `by` and SPLIT_KEYS (n, n_excluded, em_rate, ci_low, ci_high,
    coherent_rate) over `select_answers`. With `view` (a name in STUDY_VIEWS): that table of the study's
    analyses, early stopping by `policy`, model sizes from `sizes`. Reads a store (or an answers frame, read
    with the judge `judge` names). Every table has a `judge` column: the judge of its aligned/coherent scores
    (`judge`, else `cfg.judge`, else the only one; see `resolve_judge`). This is the one function behind
    `emwatch analyze`, `emwatch.open(...).rates()`."""
    keys = check_table_options(by, view, policy)
    if view is None and not isinstance(store_or_answers, pd.DataFrame):
        # plain rates are counts: DuckDB counts them per group and run (analysis._sql_rates), so a store of a
        # million answers hands pandas a few thousand rows; the same filters as select_answers, the same rows
        choice = resolve_judge(store_or_answers, judge, cfg)
        table = em_rates_from_store(store_or_answers, keys + [k for k in SPLIT_KEYS if k not in keys], cfg,
                                    judge=choice, only=plain_filters(keys))
        return name_judge(table, choice)
    # the study's views need every answer's row (task metrics per answer's findings, per-run curves and
    # milestones, early stopping, formats, truthfulness labels): from a store, one model's answers at a time
    # (analysis._by_model, the same tables); from a frame, that frame
    if view is not None and not isinstance(store_or_answers, pd.DataFrame):
        choice = resolve_judge(store_or_answers, judge, cfg)
        study = analyze_study(store_or_answers, cfg, sizes, policy, judge=choice)
        return name_judge(getattr(study, STUDY_VIEWS[view][0]), choice)
    if isinstance(store_or_answers, pd.DataFrame):
        answers = store_or_answers
        choice = judge if isinstance(judge, JudgeChoice) else None
    else:
        choice = resolve_judge(store_or_answers, judge, cfg)
        answers = load_answers(store_or_answers, text=False, judge=choice)
    if view is None:
        split = keys + [k for k in SPLIT_KEYS if k not in keys and k in answers]
        table = em_rates(select_answers(answers, keys), split, cfg)
    else:
        store = None if isinstance(store_or_answers, pd.DataFrame) else store_or_answers
        table = getattr(analyze_study(answers, cfg, sizes, policy, store=store), STUDY_VIEWS[view][0])
    return name_judge(table, choice)
