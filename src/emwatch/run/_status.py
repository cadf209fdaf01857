"""`emwatch status`: what a study's job has done and what it has left, per stage and per run, read from the
store's `tasks` table (a task marked running in a job that was killed shows as running until the next run).

Counted in the store (a study of 24,000 tasks hands Python a few hundred rows) and built as plain rows, so the
command needs neither pandas nor the job's modules: a new process answers in about a second (DuckDB and the
CLI's imports), while the job writes."""

from __future__ import annotations

from typing import Any

from emwatch.store._records import ADAPTIVE_MONITOR

STATES = ("done", "running", "pending", "failed")
COLUMNS = ["study", "stage", "run", *STATES, "last_error"]
STAGE_ORDER = ("train", "sample", "judge", "analyze", "report")


def status_rows(store, study: str | None = None, *, by_run: bool = True) -> list[dict[str, Any]]:
    """One row per stage (run '(all)'), then one per (stage, run) for train, sample and judge: counts of tasks
    in each state and the latest error of a task not done."""
    counts = store.task_counts(study)
    for c in counts:
        c["run"] = _label(c) if isinstance(c["run_id"], str) and c["run_id"] else "(study)"
    stages: dict[tuple[str, str], list[dict]] = {}
    for c in counts:
        stages.setdefault((c["study"], c["kind"]), []).append(c)
    first = {k: min(c["first"] for c in g) for k, g in stages.items()}
    order = sorted(stages, key=lambda k: (k[0], STAGE_ORDER.index(k[1]) if k[1] in STAGE_ORDER else 99, first[k]))
    rows = []
    for name, stage in order:
        g = stages[(name, stage)]
        rows.append(_row(name, stage, "(all)", g))
        if by_run and stage in ("train", "sample", "judge"):
            runs: dict[str, list[dict]] = {}
            for c in g:
                runs.setdefault(c["run"], []).append(c)
            rows += [_row(name, stage, run, runs[run]) for run in sorted(runs)]
    return rows


def status_table(store, study: str | None = None, *, by_run: bool = True):
    """`status_rows` as a DataFrame (columns COLUMNS)."""
    import pandas as pd

    return pd.DataFrame(status_rows(store, study, by_run=by_run), columns=COLUMNS)


def _row(study: str, stage: str, run: str, g: list[dict]) -> dict:
    errors = [c for c in g if c["err_key"] is not None]
    last = max(errors, key=lambda c: c["err_key"])["last_error"] if errors else None
    return {"study": study, "stage": stage, "run": run,
            **{s: sum(int(c["n"]) for c in g if c["status"] == s) for s in STATES}, "last_error": last}


def _label(c: dict) -> str:
    """'Llama-3.1-8B-Instruct insecure s0 lr0.0001', 'Qwen3-8B base'; the run id where the run is not stored."""
    if c["run_model"] is None:
        return c["run_id"]
    name = str(c["run_model"]).rstrip("/").rsplit("/", 1)[-1]
    lr = c["run_lr"]
    if c["run_kind"] == "base":
        return f"{name} base"
    if lr is not None and lr == lr:
        return f"{name} {c['run_dataset'] or c['run_group']} s{c['run_seed']} lr{lr:g}"
    return f"{name} {c['run_group']}"


def _run_labels(store) -> dict[str, str]:
    """Run id -> the label status rows give it (`_label`), from the runs table."""
    return {r["run_id"]: _label({"run_id": r["run_id"], "run_model": r["model"], "run_lr": r["lr"],
                                 "run_kind": r["kind"], "run_dataset": r["dataset"], "run_group": r["group"],
                                 "run_seed": r["seed"]})
            for r in store.runs().to_dict("records")}


ADAPTIVE_COLUMNS = ["run", "step", "used", "planned", "share_used", "rounds", "stop", "k", "n", "ci_low", "ci_high",
                    "judge"]


def adaptive_status(store) -> list[dict[str, Any]]:
    """One row per checkpoint that `sample.adaptive` decided: answers used against planned, rounds and why it
    stopped (read from the rule's monitor events, as the report's adaptive section reads them); empty when
    none was sampled adaptively (found in SQL, without importing pandas). A checkpoint still in its rounds has
    no row yet."""
    if ADAPTIVE_MONITOR not in store.monitor_names():
        return []
    from emwatch.report._adaptive import adaptive_table

    table = adaptive_table(store.monitor_events(), store.runs())
    if table.empty:
        return []
    labels = _run_labels(store)
    table["run"] = table["run_id"].map(lambda r: labels.get(r, r))
    table["share_used"] = table["share_used"].round(3)
    import json

    return json.loads(table[ADAPTIVE_COLUMNS].to_json(orient="records"))  # plain Python values, NaN as None
