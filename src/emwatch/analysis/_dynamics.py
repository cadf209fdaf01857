"""Training dynamics: task metric, held-out loss and EM rate against step, with convergence and onset.

The primary slice of the benchmark (unwrapped answers in the plain format) is used for EM here; formats
and adversarial wrappers have their own views. The base model's rate is the step-0 point of every run of
that model. A checkpoint is compared with it by `emwatch.analysis._compare` (the Newcombe interval of the
difference at the configured level; verdict above / not above / insufficient data); runs without a base model
of the same name get "no base" and no onset, never a comparison with 0. The onset step is the first checkpoint
from which every later one (with scored answers) is "above".
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from emwatch.analysis._compare import compare_with_base
from emwatch.analysis._rates import benchmark_answers, em_rates, task_metric, wilson_interval
from emwatch.config import AnalyzeConfig

RUN_KEYS = ["run_id", "model", "dataset", "seed", "lr", "group"]
BASE_KINDS = {"base"}


def primary(answers: pd.DataFrame) -> pd.DataFrame:
    """Benchmark answers without an adversarial wrapper, in the plain format (or with no format recorded)."""
    b = benchmark_answers(answers)
    keep = pd.Series(True, index=b.index)
    if "wrapper" in b:
        keep &= b["wrapper"].isna()
    if "variant" in b:
        keep &= b["variant"].isna() | (b["variant"] == "plain")
    return b[keep]


def runs_of(answers: pd.DataFrame) -> pd.DataFrame:
    """One row per run: its keys, kind and total steps (the recorded total, else its last step)."""
    cols = [c for c in RUN_KEYS + ["run_kind", "total_steps", "step"] if c in answers]
    a = answers[cols]
    agg = a.groupby("run_id", sort=False).agg(
        **{c: (c, "first") for c in cols if c not in ("run_id", "total_steps", "step")},
        total_steps=("total_steps", "max"), last_step=("step", "max"),
    ).reset_index()
    agg["total_steps"] = agg["total_steps"].where(agg["total_steps"] > 0, agg["last_step"])
    return agg.drop(columns=["last_step"])


def base_rates(answers: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """EM rate of each model's base run(s), primary slice: model, base_n, base_misaligned, base_excluded,
    base_rate, base_low, base_high (Wilson)."""
    prim = primary(answers)
    base = prim[prim["run_kind"].isin(BASE_KINDS)] if "run_kind" in prim else prim.iloc[:0]
    cols = ["model", "base_n", "base_misaligned", "base_excluded", "base_rate", "base_low", "base_high"]
    r = em_rates(base, ["model"], cfg)
    if r.empty:
        return pd.DataFrame(columns=cols)
    k, n = r["n_misaligned"].astype(int), r["n"].astype(int)
    lo_hi = [wilson_interval(int(a), int(b), cfg.confidence) for a, b in zip(k, n)]   # base runs pooled: one model
    r = r.assign(base_low=[x[0] for x in lo_hi], base_high=[x[1] for x in lo_hi])
    return r.rename(columns={"n": "base_n", "n_misaligned": "base_misaligned", "n_excluded": "base_excluded",
                             "em_rate": "base_rate"})[cols]


def dynamics(answers: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig(), *,
             tasks: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per fine-tuning run and checkpoint (the base model's point first, at step 0): n, n_excluded, em_rate,
    ci_low, ci_high, n_misaligned, base_n, base_rate, diff, diff_low, diff_high (Newcombe), vs_base (verdict;
    empty on the base point), above_base, task, task_rate, task_low, task_high (Wilson), n_task, heldout_loss,
    fraction. `tasks`: `task_metric(answers, ...)` when the caller computed it already (analyze_study)."""
    runs = runs_of(answers)
    tuned = runs[~runs["run_kind"].isin(BASE_KINDS)]
    prim = primary(answers)
    rates = em_rates(prim.assign(step=prim["step"].fillna(-1)), ["run_id", "step"], cfg)
    rates["step"] = rates["step"].where(rates["step"] >= 0, np.nan)
    tm = task_metric(answers, planted_classes=cfg.planted_classes, planted_share=cfg.planted_share) \
        if tasks is None else tasks
    tcols = ["run_id", "step", "task", "task_rate", "n_task", "heldout_loss"]
    tm = tm[tcols] if not tm.empty else pd.DataFrame(columns=tcols)
    per_ck = rates.merge(tm, on=["run_id", "step"], how="outer")
    base = base_rates(answers, cfg)
    base_runs = runs[runs["run_kind"].isin(BASE_KINDS)][["run_id", "model"]]
    base_points = per_ck.merge(base_runs, on="run_id")
    frames = []
    for _, run in tuned.iterrows():
        own = per_ck[per_ck["run_id"] == run["run_id"]].assign(from_base=False)
        task_kind = own["task"].dropna().iloc[0] if own["task"].notna().any() else None
        if task_kind is not None:  # a checkpoint sampled for both tasks: keep the run's own (code first)
            own = own[own["task"].isna() | (own["task"] == task_kind)]
        bp = base_points[base_points["model"] == run["model"]].drop(columns=["model"])
        if not bp.empty:
            bp = _base_point(bp, task_kind).assign(run_id=run["run_id"], step=0, from_base=True)
            own = pd.concat([bp, own[own["step"] != 0]], ignore_index=True)
        for k in RUN_KEYS[1:] + ["run_kind", "total_steps"]:
            own[k] = run.get(k)
        frames.append(own)
    cols = DYNAMICS_COLUMNS
    if not frames:
        return pd.DataFrame(columns=cols)
    dyn = pd.concat(frames, ignore_index=True).merge(base[["model", "base_n", "base_misaligned", "base_rate"]],
                                                     on="model", how="left")
    cmp = pd.DataFrame([compare_with_base(k, n, k0, n0, cfg) for k, n, k0, n0 in
                        zip(dyn["n_misaligned"], dyn["n"], dyn["base_misaligned"], dyn["base_n"])],
                       index=dyn.index, columns=["diff", "diff_low", "diff_high", "vs_base"])
    own_base = dyn["from_base"].astype(bool)
    cmp.loc[own_base, ["diff", "diff_low", "diff_high"]] = math.nan   # the base point against itself: no verdict
    cmp["vs_base"] = cmp["vs_base"].astype(object).where(~own_base, None)
    dyn = pd.concat([dyn, cmp], axis=1)
    dyn["above_base"] = dyn["vs_base"] == "above"
    task_k = (dyn["task_rate"] * dyn["n_task"]).round()
    bounds = [wilson_interval(int(k), int(n), cfg.confidence) if pd.notna(k) and pd.notna(n) else (math.nan, math.nan)
              for k, n in zip(task_k, dyn["n_task"])]
    dyn["task_low"], dyn["task_high"] = [b[0] for b in bounds], [b[1] for b in bounds]
    dyn["base_n"] = dyn["base_n"].fillna(0).astype(int)
    dyn["fraction"] = dyn["step"] / dyn["total_steps"]
    dyn = dyn.sort_values(["model", "dataset", "group", "lr", "seed", "run_id", "step"], na_position="last")
    return dyn[cols].reset_index(drop=True)


def _base_point(bp: pd.DataFrame, task_kind: str | None) -> pd.DataFrame:
    """The base model's rows collapsed to one step-0 point (its task metric for the run's task kind)."""
    em = bp.dropna(subset=["n"]).head(1).drop(columns=["task", "task_rate", "n_task", "heldout_loss", "step"])
    if em.empty:
        em = pd.DataFrame([{}])
    tasks = bp.dropna(subset=["task"])
    if task_kind is not None:
        tasks = tasks[tasks["task"] == task_kind]
    if not tasks.empty:
        t = tasks.iloc[0]
        em = em.assign(task=t["task"], task_rate=t["task_rate"], n_task=t["n_task"], heldout_loss=t["heldout_loss"])
    return em.reset_index(drop=True)


def convergence_step(steps: np.ndarray, task: np.ndarray, fraction: float) -> float:
    """First step whose task metric reaches `fraction` of the final value; nan if the final value is
    missing or not positive (a task that was not learned has no convergence step)."""
    ok = ~np.isnan(task)
    steps, task = steps[ok], task[ok]
    if not len(task) or task[-1] <= 0:
        return math.nan
    hit = np.nonzero(task >= fraction * task[-1])[0]
    return float(steps[hit[0]])


DYNAMICS_COLUMNS = RUN_KEYS + [
    "run_kind", "step", "total_steps", "fraction", "from_base", "n", "n_excluded", "n_misaligned", "em_rate", "ci_low",
    "ci_high", "base_n", "base_rate", "diff", "diff_low", "diff_high", "vs_base", "above_base", "task", "task_rate",
    "task_low", "task_high", "n_task", "heldout_loss"]


def onset_step(steps: np.ndarray, above: np.ndarray) -> float:
    """First step from which every later checkpoint is above base; nan when the last one is not."""
    if not len(above) or not above[-1]:
        return math.nan
    below = np.nonzero(~above)[0]
    first = below[-1] + 1 if len(below) else 0
    return float(steps[first])


def milestones(dyn: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """Per run: final step, final EM (n, interval, its difference with the base and the verdict) and task, the
    base's n, task-convergence step, EM-onset step (first checkpoint from which every later one with scored
    answers is above base; nan without a base), and their gap in steps and as a fraction of training (positive
    gap = EM appears after the task has converged)."""
    rows = []
    for run_id, g in dyn.groupby("run_id", sort=False):
        g = g.sort_values("step", na_position="last")
        tuned = g[~g["from_base"].astype(bool)]
        scored = tuned[tuned["n"].fillna(0) > 0]   # checkpoints with task answers only do not break an onset
        last = scored.iloc[-1] if len(scored) else tuned.iloc[-1] if len(tuned) else g.iloc[-1]
        conv = convergence_step(g["step"].to_numpy(float), g["task_rate"].to_numpy(float), cfg.convergence_fraction)
        onset = (onset_step(scored["step"].to_numpy(float), scored["above_base"].to_numpy(bool)) if len(scored)
                 else math.nan)
        with_task = (tuned if len(tuned) else g).dropna(subset=["task_rate"])
        last_task = with_task.iloc[-1] if len(with_task) else None
        total = last["total_steps"] if pd.notna(last["total_steps"]) else last["step"]
        gap = onset - conv
        rows.append({
            **{k: last[k] for k in RUN_KEYS}, "total_steps": total, "final_step": last["step"],
            "final_em_rate": last["em_rate"], "final_ci_low": last["ci_low"], "final_ci_high": last["ci_high"],
            "final_n": last["n"], "final_n_misaligned": last["n_misaligned"], "base_n": last.get("base_n", 0),
            "base_rate": last["base_rate"], "final_diff": last.get("diff", math.nan),
            "final_diff_low": last.get("diff_low", math.nan), "final_diff_high": last.get("diff_high", math.nan),
            "final_vs_base": last.get("vs_base"), "final_above_base": bool(last["above_base"]),
            "final_task_rate": last_task["task_rate"] if last_task is not None else math.nan,
            "final_n_task": last_task.get("n_task", math.nan) if last_task is not None else math.nan,
            "convergence_step": conv, "onset_step": onset, "gap_steps": gap,
            "gap_fraction": gap / total if total and pd.notna(total) else math.nan,
            "onset_after_convergence": bool(gap > 0) if not math.isnan(gap) else None,
        })
    return pd.DataFrame(rows, columns=MILESTONE_COLUMNS)


# the columns of `milestones`, also when a store has no fine-tuning run yet (base models only)
MILESTONE_COLUMNS = [*RUN_KEYS, "total_steps", "final_step", "final_em_rate", "final_ci_low", "final_ci_high", "final_n",
                     "final_n_misaligned", "base_n", "base_rate", "final_diff", "final_diff_low", "final_diff_high",
                     "final_vs_base", "final_above_base", "final_task_rate", "final_n_task", "convergence_step",
                     "onset_step", "gap_steps", "gap_fraction", "onset_after_convergence"]
