"""Early-stopping policies and what they buy: task retention against EM at the chosen checkpoint.

A policy is a function `(run, milestone, cfg) -> step | None` that gets one run's dynamics rows (sorted by
step, the base model's step-0 point first) and its milestones row, and returns the step it would stop at.
Register your own with `@register_policy("name")`. Retention = task metric at the chosen step / task metric
at the end of training (SPEC). EM is eliminated when the chosen checkpoint's EM is not significantly above
the base model's (the lower Wilson bound does not exceed the base rate).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pandas as pd

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
              "final_task_rate", "retention", "em_rate", "ci_low", "ci_high", "n", "n_misaligned", "base_rate",
              "em_above_base", "final_em_rate", "final_above_base", "em_eliminated"]


def early_stopping(dyn: pd.DataFrame, ms: pd.DataFrame, policies: Sequence[str] | None = None,
                   cfg: AnalyzeConfig = AnalyzeConfig()) -> pd.DataFrame:
    """Per run and policy: the chosen step, task retention, EM there, and whether EM is eliminated."""
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
            retention = task / final_task if at is not None and final_task and not pd.isna(final_task) else math.nan
            rows.append({
                **{k: m[k] for k in ("run_id", "model", "dataset", "seed", "lr", "group")}, "policy": name,
                "chosen_step": step if at is not None else math.nan,
                "fraction": at["step"] / m["total_steps"] if at is not None and m["total_steps"] else math.nan,
                "task_rate": task, "final_task_rate": final_task, "retention": retention,
                "em_rate": at["em_rate"] if at is not None else math.nan,
                "ci_low": at["ci_low"] if at is not None else math.nan,
                "ci_high": at["ci_high"] if at is not None else math.nan,
                "n": at["n"] if at is not None else math.nan,
                "n_misaligned": at["n_misaligned"] if at is not None else math.nan,
                "base_rate": m["base_rate"], "em_above_base": bool(at["above_base"]) if at is not None else None,
                "final_em_rate": m["final_em_rate"], "final_above_base": m["final_above_base"],
                "em_eliminated": (not bool(at["above_base"])) if at is not None else None,
            })
    return pd.DataFrame(rows, columns=ES_COLUMNS)


def early_stop_summary(es: pd.DataFrame) -> pd.DataFrame:
    """By dataset and policy: runs, mean task retention, share of runs where EM is eliminated, and that
    share among the runs that end with EM (the ones early stopping has to rescue)."""
    cols = ["dataset", "policy", "n_runs", "mean_retention", "share_eliminated", "n_em_runs", "share_eliminated_em_runs",
            "mean_em_rate"]
    rows = []
    if es.empty:
        return pd.DataFrame(columns=cols)
    for (dataset, policy), g in es.groupby(["dataset", "policy"], dropna=False, sort=True):
        chosen = g.dropna(subset=["chosen_step"])
        em_runs = chosen[chosen["final_above_base"].astype(bool)]
        elim = chosen["em_eliminated"].astype(bool)
        rows.append({
            "dataset": dataset, "policy": policy, "n_runs": len(chosen),
            "mean_retention": chosen["retention"].mean(), "share_eliminated": elim.mean() if len(chosen) else math.nan,
            "n_em_runs": len(em_runs),
            "share_eliminated_em_runs": em_runs["em_eliminated"].astype(bool).mean() if len(em_runs) else math.nan,
            "mean_em_rate": chosen["em_rate"].mean(),
        })
    return pd.DataFrame(rows, columns=cols)


def chosen_steps(es: pd.DataFrame, policy: str) -> dict[str, float]:
    """run_id -> the step `policy` chose (for views that compare early-stopped and final checkpoints)."""
    sel = es[es["policy"] == policy].dropna(subset=["chosen_step"])
    return dict(zip(sel["run_id"], sel["chosen_step"].astype(float)))

