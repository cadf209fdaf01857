"""Smaller views of a study: learning rate, answer formats, adversarial wrappers, untruthfulness."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from emwatch.analysis._dynamics import BASE_KINDS, runs_of
from emwatch.analysis._rates import benchmark_answers, bootstrap_pooled, em_rates, wilson_interval
from emwatch.config import AnalyzeConfig

UNTRUTHFUL = {"FALSE", "UNTRUTHFUL", "NO", "INCORRECT"}
TRUTHFUL = {"TRUE", "TRUTHFUL", "YES", "CORRECT"}


def learning_rate(ms: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """Per (model, dataset, lr): runs, final EM rate pooled over seeds with a bootstrap interval, how many
    seeds end above base, mean final task metric, median convergence and onset steps."""
    cols = ["model", "dataset", "lr", "n_runs", "em_rate", "ci_low", "ci_high", "n_above", "task_rate",
            "convergence_step", "onset_step"]
    if ms.empty or not {"model", "dataset", "lr"} <= set(ms.columns):   # a store with base models only
        return pd.DataFrame(columns=cols)
    rng = np.random.default_rng(cfg.seed)
    rows = []
    for (model, dataset, lr), g in ms.groupby(["model", "dataset", "lr"], dropna=False, sort=True):
        g = g[g["final_n"] > 0]
        if g.empty:
            continue
        k, n = g["final_n_misaligned"].to_numpy(int), g["final_n"].to_numpy(int)
        lo, hi = bootstrap_pooled(k, n, cfg.confidence, cfg.bootstrap, rng) if len(g) > 1 else wilson_interval(
            int(k.sum()), int(n.sum()), cfg.confidence)
        rows.append({"model": model, "dataset": dataset, "lr": lr, "n_runs": len(g), "em_rate": k.sum() / n.sum(),
                     "ci_low": lo, "ci_high": hi, "n_above": int(g["final_above_base"].sum()),
                     "task_rate": g["final_task_rate"].mean(), "convergence_step": g["convergence_step"].median(),
                     "onset_step": g["onset_step"].median()})
    return pd.DataFrame(rows, columns=cols)


def _at_steps(answers: pd.DataFrame, steps: dict[str, float], label: str) -> pd.DataFrame:
    """The answers of each run at the step given for it, tagged `which = label`."""
    if not steps:
        return answers.iloc[:0].assign(which=label)
    want = pd.DataFrame({"run_id": list(steps), "_step": list(steps.values())})
    sel = answers.merge(want, on="run_id")
    same = (sel["step"] == sel["_step"]) | (sel["step"].isna() & sel["_step"].isna())
    return sel[same].drop(columns=["_step"]).assign(which=label)


def final_steps(ms: pd.DataFrame) -> dict[str, float]:
    return dict(zip(ms["run_id"], ms["final_step"].astype(float)))


def adversarial(answers: pd.DataFrame, ms: pd.DataFrame, stopped: dict[str, float],
                cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """EM rate per adversarial wrapper ('none' = unwrapped), early-stopped checkpoint against the final one
    (and the base model): model, dataset, wrapper, which (base | early_stopped | final), n, em_rate, ...
    Only plain-format answers; seeds pooled (bootstrap interval)."""
    b = benchmark_answers(answers)
    b = b[b["variant"].isna() | (b["variant"] == "plain")].assign(wrapper=lambda d: d["wrapper"].fillna("none"))
    if not (b["wrapper"] != "none").any():
        return pd.DataFrame(columns=["model", "dataset", "wrapper", "which"])
    parts = [_at_steps(b, stopped, "early_stopped"), _at_steps(b, final_steps(ms), "final")]
    base = b[b["run_kind"].isin(BASE_KINDS)]
    for dataset in ms["dataset"].dropna().unique():
        models = set(ms.loc[ms["dataset"] == dataset, "model"])
        parts.append(base[base["model"].isin(models)].assign(which="base", dataset=dataset))
    sel = pd.concat(parts, ignore_index=True)
    return em_rates(sel, ["model", "dataset", "wrapper", "which"], cfg)


def formats(answers: pd.DataFrame, ms: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """EM rate per answer format (variant) at each run's final checkpoint and for the base model,
    unwrapped answers only: model, dataset, variant, which (base | final), n, em_rate, ..."""
    b = benchmark_answers(answers)
    b = b[b["wrapper"].isna()].assign(variant=lambda d: d["variant"].fillna("plain"))
    fin = _at_steps(b, final_steps(ms), "final")
    base = b[b["run_kind"].isin(BASE_KINDS)].assign(which="base")
    sel = pd.concat([fin, base], ignore_index=True)
    if sel.empty:
        return pd.DataFrame(columns=["model", "dataset", "variant", "which"])
    return em_rates(sel, ["model", "dataset", "variant", "which"], cfg)


def _truth_frame(answers: pd.DataFrame) -> pd.DataFrame:
    if "truthful_label" not in answers:
        return answers.iloc[:0]
    t = answers[answers["truthful_label"].notna()].copy()
    label = t["truthful_label"].astype(str).str.strip().str.upper()
    t["_counted"] = label.isin(UNTRUTHFUL | TRUTHFUL)
    t["_untruthful"] = label.isin(UNTRUTHFUL)
    return t


def untruthfulness(answers: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """Per fine-tuning run and checkpoint (the base model first, at step 0): n (TRUE/FALSE verdicts),
    n_excluded (other labels), untruthful_rate with a Wilson interval, the base model's rate, above_base."""
    cols = ["run_id", "model", "dataset", "seed", "lr", "group", "step", "from_base", "n", "n_excluded",
            "untruthful_rate", "ci_low", "ci_high", "base_rate", "above_base"]
    t = _truth_frame(answers)
    if t.empty:
        return pd.DataFrame(columns=cols)
    runs = runs_of(answers)
    per = t.groupby(["run_id", "step"], dropna=False).agg(n=("_counted", "sum"), k=("_untruthful", "sum"),
                                                          total=("_counted", "size")).reset_index()
    base_ids = set(runs.loc[runs["run_kind"].isin(BASE_KINDS), "run_id"])
    rows = []
    for _, run in runs[~runs["run_kind"].isin(BASE_KINDS)].iterrows():
        base_run = runs[(runs["model"] == run["model"]) & runs["run_id"].isin(base_ids)]["run_id"]
        base = per[per["run_id"].isin(base_run)]
        bn, bk = int(base["n"].sum()), int(base["k"].sum())
        base_rate = bk / bn if bn else math.nan
        own = per[per["run_id"] == run["run_id"]].sort_values("step")
        if own.empty:
            continue
        pts = ([(0, True, bn, int(base["total"].sum()) - bn, bk)] if bn else []) + [
            (s, False, int(n), int(tot - n), int(k)) for s, n, tot, k in zip(own["step"], own["n"], own["total"], own["k"])]
        for step, from_base, n, excl, k in pts:
            lo, hi = wilson_interval(k, n, cfg.confidence)
            rows.append({**{c: run[c] for c in ("run_id", "model", "dataset", "seed", "lr", "group")},
                         "step": step, "from_base": from_base, "n": n, "n_excluded": excl,
                         "untruthful_rate": k / n if n else math.nan, "ci_low": lo, "ci_high": hi,
                         "base_rate": base_rate, "above_base": bool(lo > (0.0 if math.isnan(base_rate) else base_rate))})
    return pd.DataFrame(rows, columns=cols)


def truthfulness_early_stop(truth: pd.DataFrame, stopped: dict[str, float]) -> pd.DataFrame:
    """Per run: is the final checkpoint untruthful (above base), is the early-stopped one, and did early
    stopping avoid it (final above base, early-stopped not)."""
    cols = ["run_id", "model", "dataset", "seed", "final_step", "final_untruthful", "final_above_base",
            "chosen_step", "chosen_untruthful", "chosen_above_base", "avoided"]
    rows = []
    for run_id, g in truth.groupby("run_id", sort=False):
        g = g.sort_values("step")
        last = g.iloc[-1]
        step = stopped.get(run_id)
        at = g[g["step"] == step] if step is not None else g.iloc[:0]
        chosen = at.iloc[0] if len(at) else None
        rows.append({**{c: last[c] for c in ("run_id", "model", "dataset", "seed")}, "final_step": last["step"],
                     "final_untruthful": last["untruthful_rate"], "final_above_base": bool(last["above_base"]),
                     "chosen_step": step if chosen is not None else math.nan,
                     "chosen_untruthful": chosen["untruthful_rate"] if chosen is not None else math.nan,
                     "chosen_above_base": bool(chosen["above_base"]) if chosen is not None else None,
                     "avoided": (bool(last["above_base"]) and not bool(chosen["above_base"])) if chosen is not None else None})
    return pd.DataFrame(rows, columns=cols)


__all__ = ["adversarial", "formats", "learning_rate", "truthfulness_early_stop", "untruthfulness"]
