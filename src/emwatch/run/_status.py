"""`emwatch status`: what a study's job has done and what it has left, per stage and per run, read from the
store's `tasks` table (a task marked running in a job that was killed shows as running until the next run).

Counted in the store (a study of 24,000 tasks hands Python a few hundred rows) and built as plain rows, so the
command needs neither pandas nor the job's modules: a new process answers in about a second (DuckDB and the
CLI's imports).

While a job holds the store (it keeps the file through a burst of commits, up to 10 s, which is what makes it
fast), `emwatch status` cannot open it; the job writes a snapshot of these rows beside the store
(`STORE.status.json`, written whole and renamed into place) after every commit, with its pid and the store
files' modification times at that commit. `read_snapshot` takes it as current only while that pid is alive on
this machine and the store's files are exactly as the snapshot recorded them (any later commit changes them)."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
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


# -- the running job's snapshot --------------------------------------------------------------------------------
SNAPSHOT_VERSION = 1


def snapshot_path(store_path: str | Path) -> Path:
    """Where the job writes its status snapshot: beside the store, `NAME.status.json`."""
    p = Path(store_path)
    return p.with_name(p.name + ".status.json")


def store_files_state(store_path: str | Path) -> list[int | None]:
    """The modification times (ns) of the store file and its write-ahead log (None: absent). A commit writes the
    log and closing the store folds it into the file, so any write after a snapshot changes this; reading
    does not."""
    p = Path(store_path)
    out: list[int | None] = []
    for f in (p, p.with_name(p.name + ".wal")):
        try:
            out.append(os.stat(f).st_mtime_ns)
        except FileNotFoundError:
            out.append(None)
    return out


def write_snapshot(store_path: str | Path, rows: list[dict], adaptive: list[dict]) -> dict:
    """Write the job's status rows (`status_rows(store)`, every study, by run) and adaptive rows beside the
    store, as of the store's files now (call it with the write lock held, outside a transaction, so nothing can
    commit in between). Written to a temporary file and renamed: a reader never sees half of it."""
    snap = {"version": SNAPSHOT_VERSION, "written_at": time.time(), "pid": os.getpid(),
            "host": socket.gethostname(), "store": str(Path(store_path).resolve()),
            "store_files": store_files_state(store_path), "rows": rows, "adaptive": adaptive}
    dest = snapshot_path(store_path)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(snap, default=str))
    os.replace(tmp, dest)
    return snap


def read_snapshot(store_path: str | Path) -> tuple[dict | None, str]:
    """(the snapshot, '') when it is current: written by a process still running on this machine, with the
    store's files exactly as they were when it was written; else (None, why not)."""
    path = snapshot_path(store_path)
    try:
        snap = json.loads(path.read_text())
    except FileNotFoundError:
        return None, f"no status snapshot ({path.name}) beside the store"
    except (OSError, ValueError) as e:
        return None, f"{path}: unreadable status snapshot ({e})"
    if not isinstance(snap, dict) or snap.get("version") != SNAPSHOT_VERSION:
        return None, f"{path}: not a status snapshot of this emwatch version"
    written = time.strftime("%H:%M:%S", time.localtime(snap["written_at"]))
    if snap.get("host") != socket.gethostname():
        return None, f"the status snapshot of {written} was written on {snap.get('host')}, not this machine"
    if not _alive(int(snap["pid"])):
        return None, f"the status snapshot of {written} was written by pid {snap['pid']}, which is not running"
    if snap.get("store_files") != store_files_state(store_path):
        return None, f"the status snapshot of {written} (pid {snap['pid']}) is older than the store's last commit"
    return snap, ""


def snapshot_rows(snap: dict, study: str | None = None, *, by_run: bool = True) -> list[dict[str, Any]]:
    """The snapshot's status rows as `status_rows(store, study, by_run=by_run)` gives them."""
    return [r for r in snap["rows"] if (study is None or r["study"] == study) and (by_run or r["run"] == "(all)")]


def snapshot_note(snap: dict) -> str:
    written = time.strftime("%H:%M:%S", time.localtime(snap["written_at"]))
    return (f"as of {written}, written by the running job (pid {snap['pid']}) after its last commit: the job "
            "holds the store")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
