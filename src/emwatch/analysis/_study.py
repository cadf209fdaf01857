"""Every analysis of a study at once (what `emwatch analyze --summary` and `emwatch report` read), and the
study table: per configuration its size, EM and n per seed, the base's n, consistency with its test and
level, convergence and onset, early-stop retention and EM eliminated with their intervals."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emwatch.analysis._compare import rule_text
from emwatch.analysis._dynamics import base_rates, dynamics, milestones, primary
from emwatch.analysis._metrics import metric_summary
from emwatch.analysis._early_stop import chosen_steps, early_stop_summary, early_stopping
from emwatch.analysis._rates import em_rates, load_answers, task_metric
from emwatch.analysis._seeds import consistency
from emwatch.analysis._size import load_model_sizes, run_sizes, size_em, size_points
from emwatch.analysis._views import (adversarial, final_steps, formats, learning_rate, lowest_alignment, sensitivity,
                                     truthfulness_early_stop, untruthfulness)
from emwatch.config import AnalyzeConfig

DEFAULT_POLICY = "task_convergence"


@dataclass
class StudyResults:
    """Tidy frames, one per analysis. `answers` is the full answers frame they were computed from."""

    answers: pd.DataFrame
    base: pd.DataFrame
    by_model: pd.DataFrame
    categories: pd.DataFrame
    tasks: pd.DataFrame
    dynamics: pd.DataFrame
    milestones: pd.DataFrame
    consistency: pd.DataFrame
    size_points: pd.DataFrame
    size_stats: pd.DataFrame
    early_stop: pd.DataFrame
    early_stop_summary: pd.DataFrame
    learning_rate: pd.DataFrame
    formats: pd.DataFrame
    adversarial: pd.DataFrame
    truthfulness: pd.DataFrame
    truthfulness_early_stop: pd.DataFrame
    summary: pd.DataFrame
    metrics: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    sensitivity: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    policy: str = DEFAULT_POLICY
    cfg: AnalyzeConfig = dataclasses.field(default_factory=AnalyzeConfig)
    # read from a store one model at a time (analysis._by_model): `answers` is a sample of the scored benchmark
    # answers, these hold what the report shows of the rest (None: computed from `answers`, the whole frame)
    overview: dict[str, int] | None = None   # models, scored and excluded benchmark answers
    lowest: pd.DataFrame | None = None       # the lowest-alignment coherent answers

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every frame but the raw answers, by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("answers", "policy", "cfg", "overview", "lowest")}


def _final_answers(answers: pd.DataFrame, ms: pd.DataFrame) -> pd.DataFrame:
    """Primary-slice answers of each run's final checkpoint plus the base models' answers."""
    prim = primary(answers)
    want = pd.DataFrame({"run_id": list(final_steps(ms)), "_step": list(final_steps(ms).values())})
    sel = prim.merge(want, on="run_id")
    sel = sel[(sel["step"] == sel["_step"]) | (sel["step"].isna() & sel["_step"].isna())].drop(columns="_step")
    base = prim[prim["run_kind"] == "base"].assign(dataset="(base)", group="base")
    return pd.concat([sel, base], ignore_index=True)


def _same(col: pd.Series, value: Any) -> pd.Series:
    return col.isna() if pd.isna(value) else (col == value)


SUMMARY_COLUMNS = [
    "model", "dataset", "group", "lr", "params_b", "n_seeds", "seeds", "seed_n", "base_n", "base_rate", "em_rate",
    "ci_low", "ci_high", "seed_rates", "seed_verdicts", "n_above", "n_not_above", "n_undecided", "k_required",
    "consistent", "test", "confidence", "convergence_step", "onset_step", "n_onset", "gap_fraction", "policy",
    "retention", "retention_low", "retention_high", "n_retention", "em_at_stop", "n_em_runs", "n_eliminated",
    "share_eliminated", "eliminated_low", "eliminated_high"]


def study_summary(ms: pd.DataFrame, cons: pd.DataFrame, points: pd.DataFrame, es: pd.DataFrame,
                  policy: str = DEFAULT_POLICY, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """Per configuration (model, dataset, group, lr; its seeds are the runs): size, the seeds with their n,
    final EM and verdict against the base, the base's n and rate, the pooled final EM with its interval, the
    consistency verdict (yes / no / insufficient data / no base) with the test and its level, median
    convergence and onset steps (n_onset: runs with an onset), and at the policy's checkpoint the pooled
    retention with its interval and n, and the share of EM runs where EM is eliminated with its interval."""
    if ms.empty or cons.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    rows = []
    for _, c in cons.iterrows():
        g = ms[(ms["model"] == c["model"]) & _same(ms["dataset"], c["dataset"]) & _same(ms["group"], c["group"])
               & _same(ms["lr"], c["lr"])]
        p = points[(points["model"] == c["model"]) & _same(points["dataset"], c["dataset"])]
        e = es[es["run_id"].isin(g["run_id"]) & (es["policy"] == policy)] if not es.empty else es
        st = early_stop_summary(e, cfg) if len(e) else pd.DataFrame()
        st = st.iloc[0] if len(st) else pd.Series(dtype=object)
        rows.append({
            **{k: c[k] for k in ("model", "dataset", "group", "lr")},
            "params_b": p["params_b"].iloc[0] if len(p) else math.nan,
            **{k: c[k] for k in ("n_seeds", "seeds", "seed_n", "base_n", "base_rate", "em_rate", "ci_low", "ci_high",
                                 "seed_rates", "seed_verdicts", "n_above", "n_not_above", "n_undecided", "k_required",
                                 "consistent")},
            "test": rule_text(cfg), "confidence": cfg.confidence,
            "convergence_step": g["convergence_step"].median(), "onset_step": g["onset_step"].median(),
            "n_onset": int(g["onset_step"].notna().sum()), "gap_fraction": g["gap_fraction"].median(), "policy": policy,
            **{k: st.get(k, math.nan) for k in ("retention", "retention_low", "retention_high", "n_retention",
                                                  "n_em_runs", "n_eliminated", "share_eliminated", "eliminated_low",
                                                  "eliminated_high")},
            "em_at_stop": e["em_rate"].mean() if len(e) else math.nan,
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def canonical_order(answers: pd.DataFrame) -> pd.DataFrame:
    """`answers` in sample-id order, its text columns as Python objects.

    The order: means and standard deviations are summed in an order the database does not choose (its row order
    varies with its threads), the same per model as for the whole study (analysis._by_model). The objects: pandas'
    Arrow-backed strings cost a copy of every string at each row filter (the views filter the frame dozens of
    times); a column of object pointers to each distinct string once costs a copy of pointers."""
    if "sample_id" in answers and not answers["sample_id"].is_monotonic_increasing:
        answers = answers.sort_values("sample_id", kind="stable", ignore_index=True)
    text = [c for c in answers.columns if isinstance(answers[c].dtype, pd.StringDtype)]
    if not text:
        return answers
    answers = answers.copy(deep=False)
    for c in text:
        codes, uniques = pd.factorize(answers[c], use_na_sentinel=True)
        values = np.empty(len(uniques) + 1, dtype=object)
        values[:-1], values[-1] = np.asarray(uniques, dtype=object), None   # code -1 (missing): the last, None
        answers[c] = pd.Series(values[codes], index=answers.index, dtype=object)
    return answers


def analyze_study(store_or_answers: Any, cfg: AnalyzeConfig = AnalyzeConfig(), sizes: str | Path | pd.DataFrame | None = None,
                  policy: str = DEFAULT_POLICY, store: Any = None, *, judge: Any = None,
                  lowest: int = 60, helper: Any = None) -> StudyResults:
    """Run every analysis on a store (or an answers frame from `load_answers`; pass its `store` too so that
    sizes recorded with the runs are read). Read from a store, each metric's scores come from `judge` (a name,
    mapping or JudgeChoice), else `cfg.judge`, else its only judge (see `resolve_judge`), and the answers are read
    one model at a time (analysis._by_model): the same tables, in memory that follows the largest model's
    answers; `answers` is then a sample of the scored benchmark answers (for the score figure), `overview`
    their counts and `lowest` the `lowest` lowest-alignment coherent answers. `helper` (analysis._helper.Helper):
    a second process that analyses about half of the models (their answers read here, sent as Arrow)."""
    if not isinstance(store_or_answers, pd.DataFrame):
        return _study_of_store(store_or_answers, cfg, sizes, policy, judge, lowest, helper)
    # rows in sample-id order: means and standard deviations summed in an order the database does not choose
    # (its row order varies with its threads), the same order per model as for the whole study
    answers = canonical_order(store_or_answers)
    size_table = sizes if isinstance(sizes, pd.DataFrame) else load_model_sizes(sizes)
    per_run = run_sizes(store) if store is not None else None
    tasks = task_metric(answers, planted_classes=cfg.planted_classes, planted_share=cfg.planted_share)
    dyn = dynamics(answers, cfg, tasks=tasks)   # one pass over the answers' task scores, not two
    ms = milestones(dyn, cfg)
    es = early_stopping(dyn, ms, cfg=cfg)
    stopped = chosen_steps(es, policy)
    models = sorted(answers["model"].dropna().unique()) if "model" in answers else []
    final = _final_answers(answers, ms) if not ms.empty else primary(answers).iloc[:0]
    return _results(
        answers, cfg, policy, size_table, per_run, models, dyn=dyn, ms=ms, es=es, tasks=tasks,
        base=base_rates(answers, cfg),
        by_model=em_rates(final, ["model", "dataset", "group"], cfg),
        categories=em_rates(final, ["model", "dataset", "category"], cfg),
        formats=formats(answers, ms, cfg), adversarial=adversarial(answers, ms, stopped, cfg),
        truthfulness=untruthfulness(answers, cfg), metrics=metric_summary(answers, ("model", "dataset", "step")),
        sensitivity=sensitivity(answers, cfg))


def _results(answers: pd.DataFrame, cfg: AnalyzeConfig, policy: str, size_table: pd.DataFrame, per_run: Any,
             models: list[str], *, dyn: pd.DataFrame, ms: pd.DataFrame, es: pd.DataFrame, truthfulness: pd.DataFrame,
             **tables: pd.DataFrame) -> StudyResults:
    """The study from its per-answer tables: what is computed from the dynamics and milestones added."""
    cons = consistency(ms, cfg)
    points = size_points(ms, size_table, per_run, cfg, models)
    return StudyResults(
        answers=answers, dynamics=dyn, milestones=ms, consistency=cons, size_points=points,
        size_stats=size_em(points, cfg), early_stop=es, early_stop_summary=early_stop_summary(es, cfg),
        learning_rate=learning_rate(ms, cfg), truthfulness=truthfulness,
        truthfulness_early_stop=truthfulness_early_stop(truthfulness, chosen_steps(es, policy)),
        summary=study_summary(ms, cons, points, es, policy, cfg), policy=policy, cfg=cfg, **tables)


def _study_of_store(store: Any, cfg: AnalyzeConfig, sizes: str | Path | pd.DataFrame | None, policy: str, judge: Any,
                    lowest: int, helper: Any = None) -> StudyResults:
    """analyze_study of a store, read one model at a time (analysis._by_model)."""
    from emwatch.analysis import _by_model as M
    from emwatch.store import JudgeChoice, choose_judges

    choice = judge if isinstance(judge, JudgeChoice) else choose_judges(store.judge_pairs(), judge, cfg.judge)
    size_table = sizes if isinstance(sizes, pd.DataFrame) else load_model_sizes(sizes)
    parts, scatter = M.read_by_model(store, cfg, policy, choice, lowest, helper=helper)
    if not parts.dynamics and not parts.base:   # no answers at all: the frame path's empty tables
        return analyze_study(load_answers(store, text=False, judge=choice), cfg, size_table, policy, store=store)
    dyn = M.joined(parts.dynamics, M.DYN_ORDER, "last")
    # per run, so the models' (each computed beside its model's analysis, in parallel with a helper process)
    ms, es = M.stacked(parts.milestones), M.stacked(parts.early_stop)
    pooled = {name: M.pooled(parts.counts[name] if name not in ("by_model", "categories") or not ms.empty else [],
                             keys, cfg) for name, keys in M.POOLED.items()}
    if not parts.any_formats:
        pooled["formats"] = pd.DataFrame(columns=M.FORMAT_KEYS)
    if not parts.any_wrapped:
        pooled["adversarial"] = pd.DataFrame(columns=M.ADVERSARIAL_KEYS)
    res = _results(
        scatter, cfg, policy, size_table, run_sizes(store), sorted(parts.models), dyn=dyn, ms=ms, es=es,
        tasks=M.joined(parts.tasks, M.TASK_ORDER, "first"), base=M.joined(parts.base),
        truthfulness=M.joined(parts.truth), metrics=M.joined(parts.metrics, ["metric", "model", "dataset", "step"]),
        sensitivity=M.joined(parts.sensitivity, M.SENS_ORDER, "first"), **pooled)
    res.overview = {"models": len(parts.models), "scored": parts.scored, "excluded": parts.excluded}
    res.lowest = lowest_alignment(M.joined(parts.lowest), lowest, cfg)
    return res
