"""`emwatch status`: what a study's job has done and what it has left, per stage and per run, read from the
store's `tasks` table (a task marked running in a job that was killed shows as running until the next run)."""

from __future__ import annotations

import pandas as pd

STATES = ("done", "running", "pending", "failed")


def status_table(store, study: str | None = None, *, by_run: bool = True) -> pd.DataFrame:
    """One row per stage (run '(all)'), then one per (stage, run): counts of tasks in each state."""
    tasks = store.tasks(study)
    cols = ["study", "stage", "run", *STATES, "last_error"]
    if tasks.empty:
        return pd.DataFrame(columns=cols)
    tasks = tasks.assign(run=tasks["target"].map(lambda t: (t or {}).get("run_id")))
    labels = _run_labels(store)
    tasks["run"] = tasks["run"].map(lambda r: labels.get(r, r) if r else "(study)")
    rows = []
    for (name, stage), g in tasks.groupby(["study", "kind"], sort=False):
        rows.append(_row(name, stage, "(all)", g))
        if by_run and stage in ("train", "sample", "judge"):
            for run, h in g.groupby("run", sort=True):
                rows.append(_row(name, stage, run, h))
    out = pd.DataFrame(rows, columns=cols)
    order = {s: i for i, s in enumerate(("train", "sample", "judge", "analyze", "report"))}
    out["_o"] = out["stage"].map(lambda s: order.get(s, 99))
    return out.sort_values(["study", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)


def _row(study: str, stage: str, run: str, g: pd.DataFrame) -> dict:
    counts = g["status"].value_counts()
    errors = g.loc[g["error"].notna() & (g["status"] != "done"), "error"]
    return {"study": study, "stage": stage, "run": run, **{s: int(counts.get(s, 0)) for s in STATES},
            "last_error": errors.iloc[-1] if len(errors) else None}


def _run_labels(store) -> dict[str, str]:
    runs = store.runs()
    out = {}
    for r in runs.itertuples():
        name = str(r.model).rstrip("/").rsplit("/", 1)[-1]
        out[r.run_id] = (f"{name} base" if r.kind == "base"
                         else f"{name} {r.dataset or r.group} s{r.seed} lr{r.lr:g}" if r.lr == r.lr and r.lr is not None
                         else f"{name} {r.group}")
    return out
