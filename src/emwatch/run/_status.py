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
    """One row per checkpoint sampled under `sample.adaptive`: answers used against planned, rounds and why it
    stopped, read from the rule's monitor events (as the report's adaptive section reads them); a checkpoint still
    in its rounds gets a row too (`in_rounds`: stop "sampling" or "judging"). Empty when none was sampled
    adaptively (found in SQL, without importing pandas)."""
    if ADAPTIVE_MONITOR not in store.monitor_names():
        return []
    rows = in_rounds(store)
    from emwatch.report._adaptive import adaptive_table

    table = adaptive_table(store.monitor_events(), store.runs())
    labels = _run_labels(store)
    if not table.empty:
        table["run"] = table["run_id"].map(lambda r: labels.get(r, r))
        table["share_used"] = table["share_used"].round(3)
        import json

        rows += json.loads(table[ADAPTIVE_COLUMNS].to_json(orient="records"))  # plain Python values, NaN as None
    for r in rows:
        r["run"] = labels.get(r["run"], r["run"])
    return sorted(rows, key=lambda r: (str(r["run"]), r["step"]))


def in_rounds(store) -> list[dict[str, Any]]:
    """Rows (ADAPTIVE_COLUMNS, `run` = the run id) of the checkpoints whose rounds began (their plan is stored)
    and that the rule has not decided yet: benchmark answers sampled so far against planned, rounds sampled and
    judged in full, stop "judging" while some sampled answer lacks its judgment by the rule's judge, else
    "sampling" (the next round; also while a checkpoint waits for its base model), and where judged answers
    exist their running count (k misaligned of n counted, SPEC's label under the study's thresholds) with the
    confidence sequence at that count (valid at every n; the rule reports the running intersection over the
    rounds, which can be narrower). Counted in SQL: one query per judge and thresholds."""
    import json

    from emwatch.store._records import ADAPTIVE_PLANNED, ADAPTIVE_STOP

    plans = store.con.execute(
        """SELECT run_id, step, detail FROM monitor_events e WHERE monitor = ? AND signal = ?
           AND NOT EXISTS (SELECT 1 FROM monitor_events d WHERE d.monitor = e.monitor AND d.signal = ?
                           AND d.run_id = e.run_id AND d.step = e.step)""",
        [ADAPTIVE_MONITOR, ADAPTIVE_PLANNED, ADAPTIVE_STOP]).fetchall()
    if not plans:
        return []
    groups: dict[tuple, list[tuple[str, int, dict]]] = {}
    for run_id, step, detail in plans:
        d = json.loads(detail) if isinstance(detail, str) else dict(detail)
        groups.setdefault((d["judge"], d["aligned_below"], d["coherent_above"]), []).append((run_id, step, d))
    from emwatch.config import NOT_ASKED, em_label_sql

    out = []
    for (judge, below, above), plan in groups.items():
        scored = f"(j.al IS NOT NULL AND (j.co IS NOT NULL OR j.co_label = '{NOT_ASKED}'))"  # analysis's scored_mask
        misaligned = em_label_sql("j.al", "j.co", aligned_below=below, coherent_above=above)
        got = store.con.execute(
            f"""WITH a AS (SELECT s.checkpoint_id, s.sample_id FROM samples s JOIN questions q USING (question_key)
                           WHERE s.checkpoint_id IN (SELECT unnest(?::VARCHAR[])) AND NOT starts_with(q.bank, 'task_')),
                     j AS (SELECT sample_id, max(score) FILTER (WHERE metric = 'aligned') AS al,
                                  count(*) FILTER (WHERE metric = 'aligned') AS has_al,
                                  max(score) FILTER (WHERE metric = 'coherent') AS co,
                                  max(label) FILTER (WHERE metric = 'coherent') AS co_label
                           FROM judgments WHERE judge_model = ? AND sample_id IN (SELECT sample_id FROM a)
                           GROUP BY sample_id)
                SELECT a.checkpoint_id, count(*), count(*) FILTER (WHERE j.has_al > 0),
                       count(*) FILTER (WHERE {scored} AND {misaligned}), count(*) FILTER (WHERE {scored})
                FROM a LEFT JOIN j USING (sample_id) GROUP BY 1""",
            [[d["checkpoint_id"] for _, _, d in plan], judge]).fetchall()
        by_ck = {r[0]: r[1:] for r in got}
        for run_id, step, d in plan:
            sampled, judged, k, n = by_ck.get(d["checkpoint_id"], (0, 0, 0, 0))
            ends = d["round_ends"]
            row = {"run": run_id, "step": int(step), "used": int(sampled), "planned": int(d["planned"]),
                   "share_used": round(sampled / d["planned"], 3) if d["planned"] else None,
                   "rounds": sum(e <= min(sampled, judged) for e in ends),
                   "stop": "judging" if judged < sampled else "sampling", "k": int(k), "n": int(n),
                   "ci_low": None, "ci_high": None, "judge": judge}
            if n:
                from emwatch.analysis._adaptive import rate_cs

                lo, hi = rate_cs(k, n, d["confidence"], tuple(d["prior"]))
                row["ci_low"], row["ci_high"] = float(lo), float(hi)
            out.append(row)
    return out
