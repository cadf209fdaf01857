"""`emwatch run STUDY.yaml` (a whole study as one resumable job) and `emwatch status` (what it has done)."""

from __future__ import annotations

import sys
import time
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from emwatch.cli._common import Format, FormatOpt, NoProgress, fail, store_option
from emwatch.cli._output import emit_rows, print_json, print_table


class ExecutorName(str, Enum):
    local = "local"
    ray = "ray"


def run(study: Annotated[Path, typer.Argument(help="the study file (YAML; see docs/studies.md)")],
        store: Annotated[str | None, store_option("DuckDB result store (default: the study's store, else OUT_DIR/emwatch.duckdb).")] = None,
        out: Annotated[str | None, typer.Option("--out", help="output folder (default: the study's out_dir)")] = None,
        executor: Annotated[ExecutorName, typer.Option("--executor", "-e", help="local: this machine; ray: a Ray cluster")] = ExecutorName.local,
        address: Annotated[str | None, typer.Option("--address", help="Ray cluster address ('auto' = the cluster this node joined; default: $RAY_ADDRESS, else a one-machine cluster)")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="print the plan and its size, run nothing")] = False,
        simulate: Annotated[bool, typer.Option("--simulate", help="the study as planned, every trainer, sampler and judge replaced by instant draws from the study's `simulate:` EM curve (measures the job itself at full size)")] = False,
        fmt: FormatOpt = Format.table,
        no_progress: NoProgress = False) -> None:
    """Run a whole study (train, sample every checkpoint as soon as it is saved, judge, analyse, report) as one
    job that resumes where it stopped: rerun the same command after an interruption, kill -9 included."""
    from emwatch.run import load_study, run_study, size

    loaded = load_study(study, out_dir=out, store=store)
    if dry_run:
        plan = size(loaded)
        if fmt is Format.table:
            _print_plan(plan)
        else:
            print_json(plan)
        return
    con_log = (lambda m: typer.echo(m, err=True))
    options = {"address": address} if executor is ExecutorName.ray else {}
    res = run_study(loaded, executor.value, progress=not no_progress, log=con_log, simulate=simulate, **options)
    summary = {"study": res.study, "store": str(res.store_path), "seconds": round(res.seconds, 1), **res.counts,
               "failed": res.failed, "outputs": res.outputs}
    if fmt is Format.table:
        typer.echo(f"study {res.study}: {res.counts['runs']} runs, {res.counts['checkpoints']} checkpoints, "
                   f"{res.counts['samples']} answers, {res.counts['judgments']} judgments in the store "
                   f"{res.store_path} ({res.seconds / 60:.1f} min)")
        if "em_rates" in res.outputs:
            _print_rates(res.outputs["em_rates"])
        for name, path in res.outputs.items():
            typer.echo(f"  {name}: {path}")
        for f in res.failed:
            typer.echo(f"  FAILED {f['kind']} {f['target']} after {f['attempts']} tries: {f['error']}", err=True)
    else:
        print_json(summary)
    if res.failed:
        fail(f"{len(res.failed)} task(s) failed (causes above, and in `emwatch status --store {res.store_path}`); "
             "rerun to retry them")


def status(store: Annotated[Path, store_option("DuckDB result store to read (must exist).")],
           study: Annotated[str | None, typer.Option("--study", help="only this study's tasks")] = None,
           by_run: Annotated[bool, typer.Option("--by-run/--stages-only", help="also one row per run")] = True,
           adaptive: Annotated[bool, typer.Option("--adaptive", help="only the adaptive-sampling table: per checkpoint the rule decided, answers used against planned and why it stopped")] = False,
           fmt: FormatOpt = Format.table) -> None:
    """What a study's job has done and has left, per stage and per run; works while the job runs. Where
    `sample.adaptive` decided checkpoints, a second table gives per checkpoint the answers used against those
    planned and why it stopped (`--adaptive`: that table alone, in any format). While a job holds the store,
    its snapshot of the same rows after its last commit is shown, said so on stderr (docs/studies.md)."""
    from emwatch.run._status import ADAPTIVE_COLUMNS, COLUMNS, adaptive_status, snapshot_rows, status_rows

    if adaptive:
        rounds = _read(store, adaptive_status, lambda snap: snap["adaptive"])
        if fmt is Format.table and not rounds:
            typer.echo(f"{store}: no checkpoint was sampled adaptively (sample.adaptive, docs/adaptive.md)")
            return
        emit_rows(fmt, rounds, ADAPTIVE_COLUMNS, title=_ADAPTIVE_TITLE)
        return
    rows, rounds = _read(store, lambda s: (status_rows(s, study, by_run=by_run), adaptive_status(s)),
                         lambda snap: (snapshot_rows(snap, study, by_run=by_run), snap["adaptive"]))
    if fmt is Format.table and not rows:
        typer.echo(f"{store}: no study tasks (run one with `emwatch run STUDY.yaml --store {store}`)")
        return
    emit_rows(fmt, rows, COLUMNS, title=f"study tasks in {store}")
    if fmt is Format.table and rounds:
        emit_rows(fmt, rounds, ADAPTIVE_COLUMNS, title=_ADAPTIVE_TITLE)


_ADAPTIVE_TITLE = ("adaptive sampling: benchmark answers used of those planned, per checkpoint (stop: above base / "
                   "below negligible / narrow / max; still in its rounds: sampling / judging)")


def _read(path: Path, fn, from_snapshot=None):
    """Open the store read-only and read (`fn`). Held by another process: where that is a running job with a
    current snapshot (run/_status.py), `from_snapshot` of it, said so on stderr; else wait for the store, up to
    $EMWATCH_STORE_WAIT seconds (default 60; a job lets go at least every 10 s)."""
    from emwatch.errors import StoreError
    from emwatch.store import Store
    from emwatch.store._store import default_wait

    if not path.exists():
        fail(f"{path}: no such store")
    deadline = time.monotonic() + default_wait()
    why, said = "", False
    while True:
        try:
            with Store(path, read_only=True, wait=0) as s:
                return fn(s)
        except StoreError as e:
            if "in use by another process" not in str(e):
                raise
            if time.monotonic() >= deadline:
                raise StoreError(f"{path}: the store is in use by another process (waited {default_wait():g} s"
                                 f"{'; ' + why if why else ''}); try again when it is done, or set "
                                 "$EMWATCH_STORE_WAIT to wait longer") from None
        if from_snapshot is not None:
            from emwatch.run._status import read_snapshot, snapshot_note

            snap, why = read_snapshot(path)
            if snap is not None:
                typer.echo(f"{path}: {snapshot_note(snap)}", err=True)
                return from_snapshot(snap)
            if not said:
                typer.echo(f"{path}: held by another process; waiting for it ({why})", err=True)
                said = True
        time.sleep(0.1)


def _print_plan(plan: dict) -> None:
    lines = [f"study {plan['study']}: dry run (nothing was run)",
             f"  models            {plan['models']} ({plan['base_models']} base models)",
             f"  runs              {plan['runs']:,}",
             f"  checkpoints       {plan['checkpoints']:,} (base models and evaluate: entries included)",
             f"  answers           {plan['answers']:,} ({plan['answers_per_checkpoint']:,} per checkpoint)",
             f"  judge calls       {plan['judge_calls']:,} (+ {plan['static_analyses']:,} static analyses)",
             f"  GPU-hours         {plan['gpu_hours']['total']:,} (train {plan['gpu_hours']['train']:,}, "
             f"sample {plan['gpu_hours']['sample']:,}); hosted training steps {plan['hosted_train_steps']:,}",
             f"  judge tokens      {plan['judge_tokens']['input']:,} in, {plan['judge_tokens']['output']:,} out"]
    a = plan.get("adaptive")
    if a:
        e, m = a["expected"], a["maximum"]
        lines += [f"  adaptive rule     {'sample.adaptive' if a['set_in_study'] else 'not set; its defaults'}: expected "
                  f"{e['judge_calls']:,} judge calls ({a['expected_saving']}x fewer), {e['judge_tokens_input']:,} tokens in; "
                  f"at most {m['judge_calls']:,} calls, {m['judge_tokens_input']:,} tokens in",
                  "                    prior EM curve: " + ", ".join(f"{k[6:]} {v}" for k, v in a["prior_curve"].items())]
    lines += [f"  monitor           {m['monitor']} on {m['runs']} run{'s' * (m['runs'] != 1)}: "
              + m["text"].replace("\n", "\n  ") for m in plan["monitor"]]
    lines += ["  assumptions:"]
    lines += [f"    {k}: {v}" for k, v in plan["assumptions"].items()]
    sys.stdout.write("\n".join(lines) + "\n")


def _print_rates(csv_path: str) -> None:
    """The EM rate per run and checkpoint (with its interval and excluded count), as the analysis wrote it."""
    import pandas as pd

    frame = pd.read_csv(csv_path)
    cols = [c for c in ("model", "run_kind", "group", "seed", "lr", "step", "em_rate", "ci_low", "ci_high", "n",
                        "n_excluded") if c in frame.columns]
    judge = ", ".join(str(j) for j in frame["judge"].dropna().unique()) if "judge" in frame.columns else ""
    if not frame.empty:
        print_table(frame[cols], title="EM rate per run and checkpoint (95% Wilson interval; n_excluded: missing "
                                       f"scores; judge: {judge or 'none named'})")
