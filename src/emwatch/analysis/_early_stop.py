"""Early-stopping policies and what they buy: task retention against EM at the chosen checkpoint.

A policy is a function `(run, milestone, cfg) -> step | None` that gets one run's dynamics rows (sorted by
step, the base model's step-0 point first) and its milestones row, and returns the step it would stop at.
Register your own with `@register_policy("name")`. Retention = task metric at the chosen step / task metric
at the end of training (SPEC), with the MOVER-R interval of that ratio (`_compare.ratio_interval`); undefined
(nan, shown "–") when the final task metric is 0 or missing (no task signal). EM is eliminated in a run whose
final checkpoint is above its base (`_compare.base_verdict`) when the chosen checkpoint is "not above";
kept when it is "above"; undecided otherwise. For a run whose end is not above base (or has no base) it is
undefined (None), never counted as eliminated.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from emwatch.analysis._compare import ratio_interval
from emwatch.analysis._rates import wilson_interval
from emwatch.config import AnalyzeConfig

Policy = Callable[[pd.DataFrame, pd.Series, AnalyzeConfig], "float | None"]
POLICIES: dict[str, Policy] = {}


def register_policy(name: str, fn: Policy | None = None):
    """Register an early-stopping policy under `name` (usable as a decorator)."""
    def add(f: Policy) -> Policy:
        POLICIES[name] = f
        return f
    return add(fn) if fn is not None else add


def _tuned(run: pd.DataFrame) -> pd.DataFrame:
    return run[~run["from_base"].astype(bool)]


@register_policy("final")
def _final(run: pd.DataFrame, ms: pd.Series, cfg: AnalyzeConfig) -> float | None:
    """No early stopping: the last checkpoint (the reference the others are compared with)."""
    return _tuned(run)["step"].max()


@register_policy("task_convergence")
def _at_convergence(run: pd.DataFrame, ms: pd.Series, cfg: AnalyzeConfig) -> float | None:
    """Stop at the task-convergence step (first checkpoint at cfg.convergence_fraction of the final task)."""
    return ms["convergence_step"]


@register_policy("before_em_onset")
def _before_onset(run: pd.DataFrame, ms: pd.Series, cfg: AnalyzeConfig) -> float | None:
    """The last checkpoint before EM onset (an oracle that knows the EM curve); the last one if no onset."""
    onset = ms["onset_step"]
    steps = _tuned(run)["step"]
    if onset is None or (isinstance(onset, float) and math.isnan(onset)):
        return steps.max()
    before = run.loc[run["step"] < onset, "step"]
    return before.max() if len(before) else None


def loss_plateau(patience: int = 2, min_delta: float = 0.0) -> Policy:
    """Classic early stopping on held-out loss: stop once the loss has not improved by more than
    `min_delta` for `patience` checkpoints, and keep the best checkpoint seen."""
    def policy(run: pd.DataFrame, ms: pd.Series, cfg: AnalyzeConfig) -> float | None:
        r = _tuned(run).dropna(subset=["heldout_loss"])
        best, best_step, waited = math.inf, None, 0
        for step, loss in zip(r["step"], r["heldout_loss"]):
            if loss < best - min_delta:
                best, best_step, waited = loss, step, 0
            else:
                waited += 1
                if waited >= patience:
                    break
        return best_step
    return policy


register_policy("loss_plateau", loss_plateau())

ES_COLUMNS = ["run_id", "model", "dataset", "seed", "lr", "group", "policy", "chosen_step", "fraction", "task_rate",
              "n_task", "final_task_rate", "final_n_task", "retention", "retention_low", "retention_high", "em_rate",
              "ci_low", "ci_high", "n", "n_misaligned", "base_n", "base_rate", "diff_low", "diff_high", "vs_base",
              "em_above_base", "final_em_rate", "final_vs_base", "final_above_base", "em_eliminated"]


def _count(rate: float, n: float) -> tuple[int, int]:
    """(k, n) of a rate over n answers; (0, 0) where either is missing."""
    if pd.isna(rate) or pd.isna(n):
        return 0, 0
    return int(round(rate * n)), int(n)


def _eliminated(final_verdict: object, verdict: object) -> bool | None:
    """True/False where the run ends above base and the chosen checkpoint is decided; else None."""
    if final_verdict != "above":
        return None
    return {"not above": True, "above": False}.get(verdict)   # type: ignore[arg-type]


def early_stopping(dyn: pd.DataFrame, ms: pd.DataFrame, policies: Sequence[str] | None = None,
                   cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """Per run and policy: the chosen step, task retention (with its MOVER-R interval and both n), EM there
    with its difference with the base and the verdict, and whether EM is eliminated (None: undefined or
    undecided; see the module docstring)."""
    names = list(policies or POLICIES)
    unknown = [p for p in names if p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown early-stopping policy {unknown}; registered: {', '.join(POLICIES)}")
    rows = []
    by_run = {rid: g.sort_values("step") for rid, g in dyn.groupby("run_id", sort=False)}
    for _, m in ms.iterrows():
        run = by_run.get(m["run_id"])
        if run is None:
            continue
        for name in names:
            step = POLICIES[name](run, m, cfg)
            hit = run[run["step"] == step] if step is not None and not pd.isna(step) else run.iloc[:0]
            at = hit.iloc[0] if len(hit) else None
            task = at["task_rate"] if at is not None else math.nan
            final_task = m["final_task_rate"]
            k1, n1 = _count(task, at.get("n_task", math.nan) if at is not None else math.nan)
            k0, n0 = _count(final_task, m.get("final_n_task", math.nan))
            if at is not None and n1 and n0:
                retention, r_lo, r_hi = ratio_interval(k1, n1, k0, n0, cfg.confidence)
            else:   # no counts recorded: the ratio without an interval, still nan where final task is 0
                retention = task / final_task if at is not None and final_task and not pd.isna(final_task) else math.nan
                r_lo = r_hi = math.nan
            verdict = at.get("vs_base") if at is not None else None
            rows.append({
                **{k: m[k] for k in ("run_id", "model", "dataset", "seed", "lr", "group")}, "policy": name,
                "chosen_step": step if at is not None else math.nan,
                "fraction": at["step"] / m["total_steps"] if at is not None and m["total_steps"] else math.nan,
                "task_rate": task, "n_task": n1 if n1 else math.nan, "final_task_rate": final_task,
                "final_n_task": n0 if n0 else math.nan, "retention": retention, "retention_low": r_lo,
                "retention_high": r_hi,
                "em_rate": at["em_rate"] if at is not None else math.nan,
                "ci_low": at["ci_low"] if at is not None else math.nan,
                "ci_high": at["ci_high"] if at is not None else math.nan,
                "n": at["n"] if at is not None else math.nan,
                "n_misaligned": at["n_misaligned"] if at is not None else math.nan,
                "base_n": m.get("base_n", 0), "base_rate": m["base_rate"],
                "diff_low": at.get("diff_low", math.nan) if at is not None else math.nan,
                "diff_high": at.get("diff_high", math.nan) if at is not None else math.nan, "vs_base": verdict,
                "em_above_base": bool(at["above_base"]) if at is not None else None,
                "final_em_rate": m["final_em_rate"], "final_vs_base": m.get("final_vs_base"),
                "final_above_base": m["final_above_base"],
                "em_eliminated": _eliminated(m.get("final_vs_base"), verdict) if at is not None else None,
            })
    return pd.DataFrame(rows, columns=ES_COLUMNS)


SUMMARY_COLUMNS = ["dataset", "policy", "n_runs", "n_not_chosen", "n_retention", "n_no_task_signal", "retention",
                   "retention_low", "retention_high", "mean_retention", "n_task_chosen", "n_task_final", "n_em_runs",
                   "n_eliminated", "n_undecided", "share_eliminated", "eliminated_low", "eliminated_high", "mean_em_rate"]


def early_stop_summary(es: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """By dataset and policy: runs with a chosen step (and how many the policy chose none for); retention
    pooled over the runs with a task signal (sum of task answers flagged at the chosen steps over their n,
    divided by the same at the end) with an interval that is the union of the MOVER-R interval of the pooled
    counts and a bootstrap over runs (answer noise and run-to-run spread), the mean of per-run retentions
    beside it, and how many runs had no task signal (left out); among the runs that end with EM (above base):
    how many early stopping brings to "not above" (eliminated), how many it leaves undecided, and the share
    eliminated (over all EM runs) with a Wilson interval; "–"/nan where no run ends with EM."""
    rows = []
    if es.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    rng = np.random.default_rng(cfg.seed)
    for (dataset, policy), g in es.groupby(["dataset", "policy"], dropna=False, sort=True):
        chosen = g.dropna(subset=["chosen_step"])
        with_task = chosen.dropna(subset=["retention"])
        counted = with_task.dropna(subset=["n_task", "final_n_task"])
        kc, nc = (counted["task_rate"] * counted["n_task"]).round().to_numpy(int), counted["n_task"].to_numpy(int)
        kf, nf = (counted["final_task_rate"] * counted["final_n_task"]).round().to_numpy(int), counted["final_n_task"].to_numpy(int)
        ret, lo, hi = (ratio_interval(int(kc.sum()), int(nc.sum()), int(kf.sum()), int(nf.sum()), cfg.confidence)
                       if len(counted) else (math.nan,) * 3)
        if len(counted) > 1:
            blo, bhi = _bootstrap_ratio(kc, nc, kf, nf, cfg, rng)
            lo, hi = float(np.nanmin([lo, blo])), float(np.nanmax([hi, bhi]))
        em_runs = chosen[chosen["final_vs_base"] == "above"] if "final_vs_base" in chosen else chosen.iloc[:0]
        elim = em_runs["em_eliminated"]
        n_elim, n_und = int((elim == True).sum()), int(elim.isna().sum())   # noqa: E712 (object column)
        e_lo, e_hi = wilson_interval(n_elim, len(em_runs), cfg.confidence)
        rows.append({
            "dataset": dataset, "policy": policy, "n_runs": len(chosen), "n_not_chosen": len(g) - len(chosen),
            "n_retention": len(with_task), "n_no_task_signal": len(chosen) - len(with_task),
            "retention": ret, "retention_low": lo, "retention_high": hi, "mean_retention": with_task["retention"].mean(),
            "n_task_chosen": int(nc.sum()), "n_task_final": int(nf.sum()), "n_em_runs": len(em_runs),
            "n_eliminated": n_elim, "n_undecided": n_und,
            "share_eliminated": n_elim / len(em_runs) if len(em_runs) else math.nan,
            "eliminated_low": e_lo, "eliminated_high": e_hi, "mean_em_rate": chosen["em_rate"].mean(),
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _bootstrap_ratio(kc: np.ndarray, nc: np.ndarray, kf: np.ndarray, nf: np.ndarray, cfg: AnalyzeConfig,
                     rng: np.random.Generator) -> tuple[float, float]:
    """Percentile interval of the pooled retention over runs resampled with replacement, each run's counts
    redrawn from its own binomials (resamples with a final task of 0 are dropped)."""
    pick = rng.integers(0, len(nc), size=(cfg.bootstrap, len(nc)))
    c = rng.binomial(nc[pick], (kc / nc)[pick]).sum(1) / nc[pick].sum(1)
    f = rng.binomial(nf[pick], (kf / nf)[pick]).sum(1) / nf[pick].sum(1)
    ok = f > 0
    if not ok.any():
        return (math.nan, math.nan)
    alpha = (1 - cfg.confidence) / 2
    lo, hi = np.quantile(c[ok] / f[ok], [alpha, 1 - alpha])
    return float(lo), float(hi)


def chosen_steps(es: pd.DataFrame, policy: str) -> dict[str, float]:
    """run_id -> the step `policy` chose (for views that compare early-stopped and final checkpoints)."""
    sel = es[es["policy"] == policy].dropna(subset=["chosen_step"])
    return dict(zip(sel["run_id"], sel["chosen_step"].astype(float)))

