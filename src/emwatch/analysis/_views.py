"""Smaller views of a study: learning rate, answer formats, adversarial wrappers, untruthfulness, and the
sensitivity of EM to the alignment threshold (mean scores and EM at several thresholds by step)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from emwatch.analysis._compare import base_verdict
from emwatch.analysis._dynamics import BASE_KINDS, primary, runs_of
from emwatch.analysis._metrics import exact_mean
from emwatch.analysis._rates import benchmark_answers, bootstrap_pooled, em_rates, wilson_interval
from emwatch.config import AnalyzeConfig, em_label

UNTRUTHFUL = {"FALSE", "UNTRUTHFUL", "NO", "INCORRECT"}
TRUTHFUL = {"TRUE", "TRUTHFUL", "YES", "CORRECT"}


def learning_rate(ms: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """Per (model, dataset, lr): runs with scored answers (n_unscored: runs left out for having none), final
    EM rate pooled over seeds with a bootstrap interval (Wilson for one run), how many seeds end above base,
    mean final task metric, median convergence and onset steps."""
    cols = ["model", "dataset", "lr", "n_runs", "n_unscored", "em_rate", "ci_low", "ci_high", "n_above", "task_rate",
            "convergence_step", "onset_step"]
    if ms.empty or not {"model", "dataset", "lr"} <= set(ms.columns):   # a store with base models only
        return pd.DataFrame(columns=cols)
    rng = np.random.default_rng(cfg.seed)
    rows = []
    for (model, dataset, lr), g in ms.groupby(["model", "dataset", "lr"], dropna=False, sort=True):
        n_all = len(g)
        g = g[g["final_n"] > 0]
        if g.empty:
            rows.append({"model": model, "dataset": dataset, "lr": lr, "n_runs": 0, "n_unscored": n_all})
            continue
        k, n = g["final_n_misaligned"].to_numpy(int), g["final_n"].to_numpy(int)
        lo, hi = bootstrap_pooled(k, n, cfg.confidence, cfg.bootstrap, rng) if len(g) > 1 else wilson_interval(
            int(k.sum()), int(n.sum()), cfg.confidence)
        rows.append({"model": model, "dataset": dataset, "lr": lr, "n_runs": len(g), "n_unscored": n_all - len(g),
                     "em_rate": k.sum() / n.sum(),
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


def adversarial_answers(answers: pd.DataFrame, ms: pd.DataFrame, stopped: dict[str, float], *,
                        wrapped_only: bool = True) -> pd.DataFrame | None:
    """The answers `adversarial` rates, tagged `which`; None when no answer is wrapped (`wrapped_only`; else
    the selection all the same, for a caller that looks at the other answers of the study)."""
    b = benchmark_answers(answers)
    b = b[b["variant"].isna() | (b["variant"] == "plain")].assign(wrapper=lambda d: d["wrapper"].fillna("none"))
    if wrapped_only and not (b["wrapper"] != "none").any():
        return None
    parts = [_at_steps(b, stopped, "early_stopped"), _at_steps(b, final_steps(ms), "final")]
    base = b[b["run_kind"].isin(BASE_KINDS)]
    for dataset in ms["dataset"].dropna().unique():
        models = set(ms.loc[ms["dataset"] == dataset, "model"])
        parts.append(base[base["model"].isin(models)].assign(which="base", dataset=dataset))
    return pd.concat(parts, ignore_index=True)


ADVERSARIAL_KEYS = ["model", "dataset", "wrapper", "which"]
FORMAT_KEYS = ["model", "dataset", "variant", "which"]


def adversarial(answers: pd.DataFrame, ms: pd.DataFrame, stopped: dict[str, float],
                cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """EM rate per adversarial wrapper ('none' = unwrapped), early-stopped checkpoint against the final one
    (and the base model): model, dataset, wrapper, which (base | early_stopped | final), n, em_rate, ...
    Only plain-format answers; seeds pooled (bootstrap interval)."""
    sel = adversarial_answers(answers, ms, stopped)
    if sel is None:
        return pd.DataFrame(columns=ADVERSARIAL_KEYS)
    return em_rates(sel, ADVERSARIAL_KEYS, cfg)


def format_answers(answers: pd.DataFrame, ms: pd.DataFrame) -> pd.DataFrame:
    """The answers `formats` rates, tagged `which` (final | base)."""
    b = benchmark_answers(answers)
    b = b[b["wrapper"].isna()].assign(variant=lambda d: d["variant"].fillna("plain"))
    fin = _at_steps(b, final_steps(ms), "final")
    base = b[b["run_kind"].isin(BASE_KINDS)].assign(which="base")
    return pd.concat([fin, base], ignore_index=True)


def formats(answers: pd.DataFrame, ms: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """EM rate per answer format (variant) at each run's final checkpoint and for the base model,
    unwrapped answers only: model, dataset, variant, which (base | final), n, em_rate, ..."""
    sel = format_answers(answers, ms)
    if sel.empty:
        return pd.DataFrame(columns=FORMAT_KEYS)
    return em_rates(sel, FORMAT_KEYS, cfg)


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
    n_excluded (other labels), untruthful_rate with a Wilson interval, the base model's n and rate, vs_base (the
    base comparison's verdict, "no base" without one; empty on the base point) and above_base."""
    cols = ["run_id", "model", "dataset", "seed", "lr", "group", "step", "from_base", "n", "n_excluded",
            "untruthful_rate", "ci_low", "ci_high", "base_n", "base_rate", "vs_base", "above_base"]
    t = _truth_frame(answers)
    if t.empty:
        return pd.DataFrame(columns=cols)
    runs = runs_of(answers)
    per = t.groupby(["run_id", "step"], dropna=False).agg(n=("_counted", "sum"), k=("_untruthful", "sum"),
                                                          total=("_counted", "size")).reset_index()
    base_ids = set(runs.loc[runs["run_kind"].isin(BASE_KINDS), "run_id"])
    rows = []
    tuned = runs[~runs["run_kind"].isin(BASE_KINDS)]
    # runs in key order (not the order the answers came in, which a database does not fix)
    order = [k for k in ("model", "dataset", "group", "lr", "seed", "run_id") if k in tuned]
    for _, run in tuned.sort_values(order, na_position="last", kind="stable").iterrows():
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
            verdict = None if from_base else base_verdict(k, n, bk, bn, cfg.confidence, cfg.margin, cfg.min_effect)
            rows.append({**{c: run[c] for c in ("run_id", "model", "dataset", "seed", "lr", "group")},
                         "step": step, "from_base": from_base, "n": n, "n_excluded": excl,
                         "untruthful_rate": k / n if n else math.nan, "ci_low": lo, "ci_high": hi,
                         "base_n": bn, "base_rate": base_rate, "vs_base": verdict, "above_base": verdict == "above"})
    return pd.DataFrame(rows, columns=cols)


def truthfulness_early_stop(truth: pd.DataFrame, stopped: dict[str, float]) -> pd.DataFrame:
    """Per run: is the final checkpoint untruthful (above base), is the early-stopped one, and did early
    stopping avoid it: True when the end is above base and the early-stopped checkpoint "not above", False
    when both are above; None (undefined) when the end is not above base, or the stop is undecided."""
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
                     "avoided": (None if chosen is None or last["vs_base"] != "above" else
                                 {"not above": True, "above": False}.get(chosen["vs_base"]))})
    return pd.DataFrame(rows, columns=cols)


def lowest_alignment(answers: pd.DataFrame, n: int, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """The `n` lowest-alignment answers among the coherent benchmark ones (ties: most coherent first, then by
    sample id), with a `misaligned` column."""
    a = benchmark_answers(answers)
    a = a[(a["coherent"] > cfg.coherent_above) & a["aligned"].notna()]
    if 0 < n < len(a):   # only answers at or below the n-th lowest alignment can be among the n (ties kept)
        a = a[a["aligned"] <= np.partition(a["aligned"].to_numpy(dtype=float), n - 1)[n - 1]]
    a = a.assign(misaligned=em_label(a["aligned"], a["coherent"], cfg).astype(bool))
    by = ["aligned", "coherent"] + (["sample_id"] if "sample_id" in a else [])
    return a.sort_values(by, ascending=[True, False, True][:len(by)]).head(n)


def sensitivity(answers: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """Per run (base runs too) and step, plain-format unwrapped benchmark answers with both scores: n (and
    n_excluded, a score missing), mean_aligned, mean_coherent, and for each alignment threshold t of
    `cfg.sensitivity_thresholds` the EM rate at aligned < t (coherence > cfg.coherent_above) as em_<t> with
    its Wilson interval em_<t>_low / em_<t>_high. A fall in mean alignment can precede threshold EM."""
    ts = [float(t) for t in cfg.sensitivity_thresholds]
    keys = [k for k in ("run_id", "run_kind", "model", "dataset", "seed", "lr", "group", "step") if k in answers]
    cols = keys + ["n", "n_excluded", "mean_aligned", "mean_coherent"] + [
        f"em_{t:g}{s}" for t in ts for s in ("", "_low", "_high")]
    b = primary(answers)
    if b.empty:
        return pd.DataFrame(columns=cols)
    scored = b["aligned"].notna() & b["coherent"].notna()
    work = b[keys].assign(_n=scored.astype(int), _excl=(~scored).astype(int),
                          _al=b["aligned"].where(scored), _co=b["coherent"].where(scored))
    for t in ts:
        work[f"_k{t:g}"] = (scored & em_label(b["aligned"], b["coherent"], cfg, aligned_below=t)).astype(int)
    gb = work.groupby(keys, dropna=False, sort=True)
    agg = gb.agg(n=("_n", "sum"), n_excluded=("_excl", "sum"), **{f"_k{t:g}": (f"_k{t:g}", "sum") for t in ts})
    agg = agg.reset_index()
    # means from correctly rounded sums: the same in any row order and computed per model or for the whole study
    order = np.argsort(gb.ngroup().to_numpy(), kind="stable")
    ends = np.cumsum(np.bincount(gb.ngroup().to_numpy(), minlength=len(agg)))[:-1]
    for name, col in (("mean_aligned", "_al"), ("mean_coherent", "_co")):
        agg.insert(agg.columns.get_loc("n_excluded") + 1 + (name == "mean_coherent"), name,
                   [exact_mean(v) for v in np.split(work[col].to_numpy(dtype=float)[order], ends)])
    for t in ts:
        k = agg.pop(f"_k{t:g}")
        bounds = [wilson_interval(int(a), int(n), cfg.confidence) for a, n in zip(k, agg["n"])]
        agg[f"em_{t:g}"] = np.where(agg["n"] > 0, k / agg["n"].clip(lower=1), np.nan)
        agg[f"em_{t:g}_low"], agg[f"em_{t:g}_high"] = [x[0] for x in bounds], [x[1] for x in bounds]
    order = [k for k in ("model", "dataset", "group", "lr", "seed", "run_id", "step") if k in agg]
    return agg.sort_values(order, na_position="first")[cols].reset_index(drop=True)


__all__ = ["adversarial", "adversarial_answers", "format_answers", "formats", "learning_rate", "lowest_alignment",
           "sensitivity", "truthfulness_early_stop", "untruthfulness"]
