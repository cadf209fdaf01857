"""`emwatch status`: what a study's job has done and what it has left, per stage and per run, read from the
store's `tasks` table (a task marked running in a job that was killed shows as running until the next run)."""

from __future__ import annotations

import pandas as pd

STATES = ("done", "running", "pending", "failed")


def status_table(store, study: str | None = None, *, by_run: bool = True) -> pd.DataFrame:
    """One row per stage (run '(all)'), then one per (stage, run): counts of tasks in each state, counted in the
    store (a study of 24,000 tasks hands pandas a few hundred rows)."""
    cols = ["study", "stage", "run", *STATES, "last_error"]
    counts = store.task_counts(study)
    if counts.empty:
        return pd.DataFrame(columns=cols)
    labels = _run_labels(store)
    counts["run"] = counts["run_id"].map(lambda r: labels.get(r, r) if isinstance(r, str) and r else "(study)")
    order = {s: i for i, s in enumerate(("train", "sample", "judge", "analyze", "report"))}
    rows = []
    stages = counts.groupby(["study", "kind"], sort=False).agg(first=("first", "min")).reset_index()
    stages["_o"] = stages["kind"].map(lambda k: order.get(k, 99))
    for name, stage in stages.sort_values(["study", "_o", "first"], kind="stable")[["study", "kind"]].itertuples(
            index=False):
        g = counts[(counts.study == name) & (counts.kind == stage)]
        rows.append(_row(name, stage, "(all)", g))
        if by_run and stage in ("train", "sample", "judge"):
            for run, h in g.groupby("run", sort=True):
                rows.append(_row(name, stage, run, h))
    return pd.DataFrame(rows, columns=cols).reset_index(drop=True)


def _row(study: str, stage: str, run: str, g: pd.DataFrame) -> dict:
    errors = g[g["err_key"].notna()]
    last = errors.loc[errors["err_key"].idxmax(), "last_error"] if len(errors) else None
    return {"study": study, "stage": stage, "run": run,
            **{s: int(g.loc[g.status == s, "n"].sum()) for s in STATES}, "last_error": last}


def _run_labels(store) -> dict[str, str]:
    runs = store.runs()
    out = {}
    for r in runs.itertuples():
        name = str(r.model).rstrip("/").rsplit("/", 1)[-1]
        out[r.run_id] = (f"{name} base" if r.kind == "base"
                         else f"{name} {r.dataset or r.group} s{r.seed} lr{r.lr:g}" if r.lr == r.lr and r.lr is not None
                         else f"{name} {r.group}")
    return out


ADAPTIVE_COLUMNS = ["run", "step", "used", "planned", "share_used", "rounds", "stop", "k", "n", "ci_low", "ci_high",
                    "judge"]


def adaptive_status(store) -> pd.DataFrame:
    """One row per checkpoint that `sample.adaptive` decided: answers used against planned, rounds and why it
    stopped (read from the rule's monitor events, as the report's adaptive section reads them); empty when
    none was sampled adaptively. A checkpoint still in its rounds has no row yet."""
    from emwatch.report._adaptive import adaptive_table

    table = adaptive_table(store.monitor_events(), store.runs())
    if table.empty:
        return pd.DataFrame(columns=ADAPTIVE_COLUMNS)
    labels = _run_labels(store)
    table["run"] = table["run_id"].map(lambda r: labels.get(r, r))
    table["share_used"] = table["share_used"].round(3)
    return table[ADAPTIVE_COLUMNS].reset_index(drop=True)
