"""`emwatch monitor replay`: the online monitor's decision, run offline over a store's judged checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from emwatch.cli._analysis import JudgeOpt
from emwatch.cli._common import Format, FormatOpt, StoreReadOpt, fail, new_app
from emwatch.cli._output import emit, print_table, records

monitor_app = new_app(name="monitor", help="The online EM monitor (docs/monitor.md): replay its decisions over a store.")

MonitorOpt = Annotated[Optional[Path], typer.Option("--monitor", "-m", help="monitor config YAML (the `monitor:` section of a recipe); default: the calibrated defaults")]
_JSON_KEYS = ["model", "dataset", "seed", "lr", "group", "run_id", "looks", "stop_step", "onset_step", "delay_looks",
              "kept_step", "retention", "em_rate_at_stop", "p0", "judge"]


def replay_cmd(
    store: StoreReadOpt,
    monitor: MonitorOpt = None,
    fmt: FormatOpt = Format.table,
    save: Annotated[bool, typer.Option("--save", help="store each look's decision as monitor events (monitor 'replay:NAME'; the store is opened for writing)")] = False,
    judge: JudgeOpt = None,
) -> None:
    """When the monitor would have stopped each run: one row per run with stop_step (empty: never),
    onset_step (SPEC's EM onset), the delay in looks, the checkpoint kept and its task retention.

    Works on emwatch's own runs and on imported CSVs with a `step` column (step 0 is the base model when
    the store has no separate base run). Example: emwatch monitor replay -s study.duckdb -f json
    """
    from emwatch.config import MonitorConfig, load_config
    from emwatch.monitor import replay
    from emwatch.store import Store

    cfg = load_config(MonitorConfig, monitor)
    if not store.is_file():
        fail(f"{store}: no such store")
    with Store(store, read_only=not save) as st:
        out = replay(st, cfg, save=save, judge=judge)
    for col in ("stop_step", "onset_step", "delay_looks", "kept_step", "estimated_onset_step"):
        out[col] = out[col].astype("Int64")
    emit(fmt, out, data=[{k: r.get(k) for k in _JSON_KEYS} for r in records(out)],
         table=lambda: print_table(out[[c for c in _JSON_KEYS if c not in ("run_id", "judge")]],
                                   title=f"judge: {out['judge'].iloc[0] if len(out) else '–'}"))


monitor_app.command("replay")(replay_cmd)
