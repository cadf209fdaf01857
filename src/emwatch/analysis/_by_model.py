"""Every analysis of a study read one model at a time, so memory follows the largest model's answers, not the
store's: what `analyze_study` does with a store (and so `emwatch report`), with the same tables as
`analyze_study` on the whole answers frame.

Each model's answers (its fine-tuning runs and its base runs) are one frame (`store._chunks.read_table`,
`frame_of`), the next model's read in a thread (DuckDB lets go of the GIL) while pandas analyses this one's:
two frames at most.
What is per run or per model is computed there by the frame functions themselves: task metric, dynamics,
base rates, untruthfulness, sensitivity, judge metrics per (model, dataset, step). What the rules look at across
models comes from the store first (`store._chunks.study_facts`): the benchmark rule's questions judged on any
answer, and the training sets and flagged labels that fix the planted classes. Rates that pool runs (by model,
categories, formats, adversarial) are summed from each model's counts per (group, run) and their intervals drawn
once, in group order, by the code em_rates uses (`rates_from_counts`), so the bootstrap draws what it draws on
the whole frame. Milestones, early stopping, consistency, size and learning rate are computed from the joined
dynamics, which is a few rows per checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from emwatch.analysis._dynamics import base_rates, dynamics, milestones, primary
from emwatch.analysis._early_stop import chosen_steps, early_stopping
from emwatch.analysis._metrics import metric_summary
from emwatch.analysis._rates import (_COUNTS, _classes_of, _unit_counts, EXTRA_RATE_COLUMNS, RATE_COLUMNS,
                                     benchmark_answers, rates_from_counts, scored_mask, task_metric)
from emwatch.analysis._views import (ADVERSARIAL_KEYS, FORMAT_KEYS, adversarial_answers, format_answers,
                                     lowest_alignment, sensitivity, untruthfulness)
from emwatch.config import AnalyzeConfig
from emwatch.metrics import DOMAINS

PHANTOM = "\x00study-wide"   # run id of the rows that carry the study's planted-class context into one model's frame
SCATTER_POINTS = 6000        # answers the score figure shows at most (a uniform sample of the study's)
TASK_ORDER = ["model", "dataset", "group", "lr", "seed", "run_id", "step", "task"]
SENS_ORDER = ["model", "dataset", "group", "lr", "seed", "run_id", "step"]
DYN_ORDER = ["model", "dataset", "group", "lr", "seed", "run_id", "step"]
# what the overview's counts and the score figure's sample read of the benchmark answers
SCORED_COLUMNS = ["is_benchmark", "aligned", "coherent", "coherent_label", "run_kind"]
# what the pooled rates' selections (final, formats, adversarial) and their counts read: their keys (POOLED), the
# run, its kind and step, and the label's inputs; every other column of the frame would be copied at each filter
COUNT_COLUMNS = ["run_id", "run_kind", "model", "dataset", "group", "category", "step", "is_benchmark", "wrapper",
                 "variant", "aligned", "coherent", "coherent_label"]
# what dynamics, base_rates and sensitivity read of the answers (fewer columns: each row filter copies less)
DYN_COLUMNS = ["run_id", "run_kind", "model", "dataset", "seed", "lr", "group", "checkpoint_id", "step", "total_steps",
               "is_benchmark", "wrapper", "variant", "aligned", "coherent", "coherent_label"]


@dataclass
class ModelParts:
    """What each model's frame gives, gathered over the models."""

    tasks: list[pd.DataFrame] = field(default_factory=list)
    dynamics: list[pd.DataFrame] = field(default_factory=list)
    milestones: list[pd.DataFrame] = field(default_factory=list)
    early_stop: list[pd.DataFrame] = field(default_factory=list)
    base: list[pd.DataFrame] = field(default_factory=list)
    truth: list[pd.DataFrame] = field(default_factory=list)
    metrics: list[pd.DataFrame] = field(default_factory=list)
    sensitivity: list[pd.DataFrame] = field(default_factory=list)
    counts: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    lowest: list[pd.DataFrame] = field(default_factory=list)
    scatter: list[tuple[int, pd.DataFrame]] = field(default_factory=list)
    models: set = field(default_factory=set)
    any_formats: bool = False
    any_wrapped: bool = False
    scored: int = 0
    excluded: int = 0


POOLED = {"by_model": ["model", "dataset", "group"], "categories": ["model", "dataset", "category"],
          "formats": FORMAT_KEYS, "adversarial": ADVERSARIAL_KEYS}


def em_columns(df: pd.DataFrame) -> pd.DataFrame:
    """The aligned and coherent columns (and their reasons) that `load_answers` adds to a store without EM
    judgments yet: there, empty."""
    for col in ("aligned", "coherent", "aligned_reason", "coherent_reason"):
        if col not in df:
            df[col] = pd.Series(np.nan if not col.endswith("_reason") else None, index=df.index, dtype=object
                                if col.endswith("_reason") else float)
    return df


def _planted_context(frame: pd.DataFrame, facts: dict[str, Any]) -> pd.DataFrame:
    """Rows (run id PHANTOM) that give one model's frame the study's planted-class context: a coding answer, not
    flagged, of every training set with coding answers, and a flagged one with a recorded label when the study
    has one (what `planted_per_row` looks at across models). Their task rows are dropped after."""
    datasets = [d for d in facts["code_datasets"] if d is not None and not (isinstance(d, float) and np.isnan(d))]
    label = next((lab for lab in facts["flagged_labels"] if _classes_of(lab) is not None), None)
    rows = len(datasets) + (label is not None)
    if not rows or frame.empty or "vulnerable" not in frame:
        return frame.iloc[:0]
    ctx = frame.iloc[[0] * rows].copy()   # a real row's dtypes
    ctx["run_id"], ctx["checkpoint_id"] = PHANTOM, PHANTOM
    ctx["dataset"] = pd.Series(datasets + [None] * (label is not None), index=ctx.index, dtype=object)
    ctx["vulnerable"] = [0.0] * len(datasets) + [1.0] * (label is not None)
    if "vulnerable_label" in ctx:
        ctx["vulnerable_label"] = pd.Series([None] * len(datasets) + [label] * (label is not None), index=ctx.index,
                                            dtype=object)
    return ctx


def _final_answers(answers: pd.DataFrame, ms: pd.DataFrame) -> pd.DataFrame:
    from emwatch.analysis._study import _final_answers as final

    if not ms.empty:
        return final(answers, ms)
    prim = primary(answers)   # no fine-tuning run of this model: its base runs only
    return prim[prim["run_kind"] == "base"].assign(dataset="(base)", group="base")


def _counts(sel: pd.DataFrame | None, by: list[str], cfg: AnalyzeConfig) -> pd.DataFrame | None:
    if sel is None:
        return None
    bench = benchmark_answers(sel)
    return None if bench.empty else _unit_counts(bench, by, cfg)


@dataclass
class ModelShare:
    """One model's share of every analysis (`model_share`): small tables, picklable, so a helper process can
    compute it. `points`: its scored benchmark answers' (aligned, coherent, run_kind), every one: the score
    figure's sample is drawn from them in model order (`add_share`), the same draws wherever the share was made."""

    tasks: pd.DataFrame
    dynamics: pd.DataFrame
    milestones: pd.DataFrame
    early_stop: pd.DataFrame
    base: pd.DataFrame
    truth: pd.DataFrame
    metrics: pd.DataFrame
    sensitivity: pd.DataFrame
    counts: dict[str, pd.DataFrame | None]
    lowest: pd.DataFrame
    points: pd.DataFrame
    models: set
    any_formats: bool
    any_wrapped: bool
    scored: int
    excluded: int
    answers: int


def model_share(frame: pd.DataFrame, cfg: AnalyzeConfig, policy: str, facts: dict[str, Any],
                lowest: int) -> ModelShare:
    """One model's frame's share of every analysis."""
    # the task metric counts answers with a task score only (a checkpoint without one has no task row)
    task_scores = [d.metric for d in DOMAINS.values() if d.metric in frame]
    held = (frame[np.logical_or.reduce([frame[m].notna().to_numpy() for m in task_scores])] if task_scores
            else frame.iloc[:0])
    ctx = _planted_context(frame, facts) if cfg.planted_classes is None else frame.iloc[:0]
    tasks = task_metric(pd.concat([held, ctx]) if len(ctx) else held, planted_classes=cfg.planted_classes,
                        planted_share=cfg.planted_share)
    tasks = tasks[tasks["run_id"] != PHANTOM].reset_index(drop=True) if "run_id" in tasks else tasks
    lean = frame[[c for c in DYN_COLUMNS if c in frame]]   # what dynamics, base rates and sensitivity read
    dyn = dynamics(lean, cfg, tasks=tasks)
    ms = milestones(dyn, cfg)   # per run: the study's milestones and early stopping are the models', joined
    es = early_stopping(dyn, ms, cfg=cfg)
    stopped = chosen_steps(es, policy)
    counted = frame[[c for c in COUNT_COLUMNS if c in frame]]   # what the pooled rates read
    final = _final_answers(counted, ms)
    fmt = format_answers(counted, ms)
    adv = adversarial_answers(counted, ms, stopped, wrapped_only=False)
    bench = benchmark_answers(frame[[c for c in SCORED_COLUMNS if c in frame]])   # copies these columns only
    scored = scored_mask(bench)
    # the rows lowest_alignment keeps first, in one row filter of the whole frame instead of two
    coherent = frame[frame["is_benchmark"].to_numpy(dtype=bool) & (frame["coherent"] > cfg.coherent_above).to_numpy()
                     & frame["aligned"].notna().to_numpy()] if "is_benchmark" in frame else frame
    return ModelShare(
        tasks=tasks, dynamics=dyn, milestones=ms, early_stop=es, base=base_rates(lean, cfg),
        truth=untruthfulness(frame, cfg), metrics=metric_summary(frame, ("model", "dataset", "step")),
        sensitivity=sensitivity(lean, cfg),
        counts={name: _counts(sel, POOLED[name], cfg) for name, sel in
                (("by_model", final), ("categories", final), ("formats", fmt), ("adversarial", adv))},
        lowest=lowest_alignment(coherent, lowest, cfg),
        points=bench[["aligned", "coherent", "run_kind"]].dropna(subset=["aligned", "coherent"]),
        models=set(frame["model"].dropna().unique()), any_formats=not fmt.empty,
        any_wrapped=adv is not None and bool((adv["wrapper"] != "none").any()),
        scored=int(scored.sum()), excluded=int((~scored).sum()), answers=len(frame))


def add_share(parts: ModelParts, share: ModelShare, rng: np.random.Generator) -> None:
    """Add one model's share to `parts` (in model order: the score figure's sample draws from `rng`)."""
    parts.tasks.append(share.tasks)
    parts.dynamics.append(share.dynamics)
    parts.milestones.append(share.milestones)
    parts.early_stop.append(share.early_stop)
    parts.base.append(share.base)
    parts.truth.append(share.truth)
    parts.metrics.append(share.metrics)
    parts.sensitivity.append(share.sensitivity)
    for name, counts in share.counts.items():
        parts.counts.setdefault(name, []).append(counts)
    parts.lowest.append(share.lowest)
    parts.models |= share.models
    parts.any_formats |= share.any_formats
    parts.any_wrapped |= share.any_wrapped
    parts.scored += share.scored
    parts.excluded += share.excluded
    pts = share.points
    if isinstance(pts["run_kind"].dtype, pd.CategoricalDtype):   # sent by the helper process as categories
        pts = pts.assign(run_kind=pts["run_kind"].astype(object))
    keep = pts.iloc[np.sort(rng.permutation(len(pts))[:SCATTER_POINTS])] if len(pts) > SCATTER_POINTS else pts
    parts.scatter.append((len(pts), keep.assign(is_benchmark=True)))


def one_model(frame: pd.DataFrame, cfg: AnalyzeConfig, policy: str, facts: dict[str, Any], parts: ModelParts,
              lowest: int, rng: np.random.Generator) -> None:
    """Add one model's frame's share of every analysis to `parts`."""
    add_share(parts, model_share(frame, cfg, policy, facts, lowest), rng)


def share_of_table(table: Any, cfg: AnalyzeConfig, policy: str, facts: dict[str, Any],
                   lowest: int) -> ModelShare | None:
    """In the helper process (analysis._helper): one model's share from its answers as the Arrow table the
    report's process read (`store._chunks.read_table`); None: no answers."""
    from emwatch.analysis._study import canonical_order
    from emwatch.store._chunks import frame_of

    frame = canonical_order(em_columns(frame_of(table)))
    del table
    if frame.empty:
        return None
    share = model_share(frame, cfg, policy, facts, lowest)
    del frame
    share.points = share.points.assign(run_kind=share.points["run_kind"].astype("category"))   # pickled small
    return share


def joined(frames: list[pd.DataFrame], order: list[str] | None = None, na_position: str = "last") -> pd.DataFrame:
    """The models' tables as one, sorted as the frame function sorts the whole study's (`order`), an empty
    table with its columns where every model's is empty."""
    full = [f for f in frames if not f.empty]
    if not full:
        return frames[0] if frames else pd.DataFrame()
    out = pd.concat(full, ignore_index=True) if len(full) > 1 else full[0]
    if order:
        out = out.sort_values([k for k in order if k in out], na_position=na_position, kind="stable")
    return out.reset_index(drop=True)


def stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Per-run tables of the models (milestones, early stopping: one row per run, or per run and policy, built
    from rows) as the frame function builds them for the whole study: their rows, in model order, made into one
    frame again, so each column's type is inferred from every model's values at once."""
    if not frames:
        return pd.DataFrame()
    rows = [r for f in frames for r in f.to_dict("records")]
    return pd.DataFrame(rows, columns=list(frames[0].columns))


def pooled(counts: list[pd.DataFrame | None], by: list[str], cfg: AnalyzeConfig) -> pd.DataFrame:
    """em_rates' table from the models' counts per (group, run), intervals drawn once over the whole study."""
    full = [c for c in counts if c is not None]
    if not full:
        return pd.DataFrame(columns=by + RATE_COLUMNS + EXTRA_RATE_COLUMNS)
    frame = pd.concat(full, ignore_index=True).groupby(by + ["_unit"], dropna=False, sort=True)[list(_COUNTS)].sum()
    return rates_from_counts(frame.reset_index(), by, cfg)


def scatter_sample(parts: ModelParts, rng: np.random.Generator) -> pd.DataFrame:
    """A uniform sample of at most SCATTER_POINTS of the study's scored benchmark answers, from each model's own
    uniform sample: how many come from each model is drawn (multivariate hypergeometric) from their numbers."""
    sizes = np.array([n for n, _ in parts.scatter], dtype=np.int64)
    if not len(sizes) or sizes.sum() == 0:
        return pd.DataFrame(columns=["aligned", "coherent", "run_kind", "is_benchmark"])
    take = sizes if sizes.sum() <= SCATTER_POINTS else rng.multivariate_hypergeometric(sizes, SCATTER_POINTS)
    return pd.concat([p.iloc[rng.permutation(len(p))[:k]] for (_, p), k in zip(parts.scatter, take) if k],
                     ignore_index=True)


def read_by_model(store: Any, cfg: AnalyzeConfig, policy: str, choice: Any, lowest: int = 60,
                  progress: Callable[[str], None] | None = None, helper: Any = None) -> tuple[ModelParts, pd.DataFrame]:
    """Every model's share of the study (`model_share`) read from `store` under the judge choice `choice`.
    `helper` (analysis._helper.Helper): a model's answers read here are sent there, as Arrow, whenever it is
    idle, and analysed there while this process analyses the next (one frame in each process)."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from emwatch.analysis._study import canonical_order
    from emwatch.store._chunks import benchmark_questions, frame_of, model_answers_sql, models, read_table, study_facts

    judges = choice.sql()
    facts = study_facts(store, judges)
    benchmark = benchmark_questions(store, facts["judged_questions"])
    parts = ModelParts()
    rng = np.random.default_rng(cfg.seed)
    names = models(store)
    sql = model_answers_sql(store, judges)
    sent: dict[int, Future] = {}
    shares: dict[int, ModelShare | None] = {}
    # without a helper, model i+1 is read (DuckDB, on a cursor of the same connection, without the GIL) while
    # pandas works on model i: at most two models' answers are held, the one analysed and the one read
    with store._session() as con, ThreadPoolExecutor(max_workers=1) as pool:
        cur = con.cursor()
        try:
            ahead = pool.submit(read_table, cur, sql, names[0], benchmark) if names else None
            for i, model in enumerate(names):
                table = ahead.result() if ahead is not None else read_table(cur, sql, model, benchmark)
                # with a helper the two processes overlap: no read ahead (a third model's answers held here)
                ahead = (pool.submit(read_table, cur, sql, names[i + 1], benchmark)
                         if i + 1 < len(names) and helper is None else None)
                if helper is not None and all(f.done() for f in sent.values()):
                    for f in sent.values():
                        f.result()   # the helper's error, as soon as it is known
                    sent[i] = helper.submit(share_of_table, table, cfg, policy, facts, lowest)
                    del table
                    continue
                frame = canonical_order(em_columns(frame_of(table)))
                del table
                if helper is not None:   # added in model order below, with the helper's
                    shares[i] = None if frame.empty else model_share(frame, cfg, policy, facts, lowest)
                elif not frame.empty:
                    one_model(frame, cfg, policy, facts, parts, lowest, rng)
                    if progress is not None:
                        progress(f"{model}: {len(frame):,} answers")
                del frame
            for i, f in sent.items():
                shares[i] = f.result()
        finally:
            for f in [ahead, *sent.values()]:
                if f is not None:
                    f.cancel()
                    try:
                        f.result()   # a read still running ends before its cursor closes; the helper's item too
                    except BaseException:
                        pass
            cur.close()
    for i, model in enumerate(names):
        if shares.get(i) is not None:
            add_share(parts, shares[i], rng)
            if progress is not None:
                progress(f"{model}: {shares[i].answers:,} answers")
    return parts, scatter_sample(parts, rng)


__all__ = ["ModelParts", "ModelShare", "add_share", "joined", "em_columns", "model_share", "one_model", "pooled",
           "read_by_model", "share_of_table"]
