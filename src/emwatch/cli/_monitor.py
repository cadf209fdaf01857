"""`emwatch monitor replay`: the online monitor's decision, run offline over a store's judged checkpoints."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from emwatch.cli._analysis import JudgeOpt
from emwatch.cli._common import Format, FormatOpt, StoreReadOpt, fail, new_app
from emwatch.cli._output import emit, print_table, records

monitor_app = new_app(name="monitor", help="The online EM monitor (docs/monitor.md): replay its decisions over a store; build a base model's persona direction.")

MonitorOpt = Annotated[Optional[Path], typer.Option("--monitor", "-m", help="monitor config YAML (the `monitor:` section of a recipe); default: the calibrated defaults")]
_JSON_KEYS = ["model", "dataset", "seed", "lr", "group", "run_id", "looks", "stop_step", "onset_step", "delay_looks",
              "kept_step", "retention", "em_rate_at_stop", "p0", "judged_looks", "skipped_steps", "judge_calls",
              "judge_calls_always", "cascade_signals", "judge"]
_CASCADE_ONLY = ("judged_looks", "skipped_steps", "judge_calls", "judge_calls_always", "cascade_signals")


def replay_cmd(
    store: StoreReadOpt,
    monitor: MonitorOpt = None,
    fmt: FormatOpt = Format.table,
    save: Annotated[bool, typer.Option("--save", help="store each look's decision as monitor events (monitor 'replay:NAME'; the store is opened for writing)")] = False,
    judge: JudgeOpt = None,
) -> None:
    """When the monitor would have stopped each run: one row per run with stop_step (empty: never),
    onset_step (SPEC's EM onset), the delay in looks, the checkpoint kept and its task retention.

    With `cascade_every` in the monitor config the judging cascade is applied: the judge-free signals stored
    for each run (its online monitor's persona_fixed, canary, kl events) decide which looks are judged; the
    rows add the looks judged, the steps skipped and the judge calls against judging every look, and a
    summary line says how many calls the cascade saved.

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
    keys = _JSON_KEYS if cfg.cascade_every else [k for k in _JSON_KEYS if k not in _CASCADE_ONLY]
    shown = out.assign(skipped_steps=out["skipped_steps"].map(lambda s: " ".join(map(str, s)) or "–"))

    def table() -> None:
        print_table(shown[[c for c in keys if c not in ("run_id", "judge")]],
                    title=f"judge: {out['judge'].iloc[0] if len(out) else '–'}")
        if cfg.cascade_every:
            print(cascade_summary(out, cfg))

    emit(fmt, out, data=[{k: r.get(k) for k in keys} for r in records(out)], table=table)
    if cfg.cascade_every and fmt != Format.table:
        print(cascade_summary(out, cfg), file=sys.stderr)


def cascade_summary(out, cfg) -> str:
    """One line: the cascade's judge calls against judging every look, and the runs it had no signal for."""
    used, always = int(out["judge_calls"].sum()), int(out["judge_calls_always"].sum())
    share = f"{100 * used / always:.1f}%" if always else "–"
    blind = [str(r) for r, s in zip(out["run_id"], out["cascade_signals"]) if not s]
    return (f"cascade (every {cfg.cascade_every}. look, signals {', '.join(cfg.cascade_signals)}): "
            f"{int(out['judged_looks'].sum())} of {int(out['looks'].sum())} looks judged, {used} of {always} judge "
            f"calls ({share}; looks after the base, up to a stop)"
            + (f"; no stored signal for {len(blind)} run(s) ({', '.join(blind[:5])}{' ...' if len(blind) > 5 else ''}): "
               "only the every-N-th and e-value rules judged their looks" if blind else ""))


monitor_app.command("replay")(replay_cmd)


def direction_cmd(
    model: Annotated[str, typer.Option("--model", help="base model folder, or 'demo' for the shipped demo model")],
    out: Annotated[Optional[Path], typer.Option("--out", help="direction folder (default: $EMWATCH_CACHE/directions/<model hash>/<settings hash>/)")] = None,
    dtype: Annotated[str, typer.Option("--dtype", help="auto | float32 | bfloat16 | float16 (auto: as `emwatch doctor` says)")] = "auto",
    train_per_category: Annotated[int, typer.Option("--train-per-category", min=1, max=15, help="build-half EM-240 questions per category")] = 6,
    heldout_per_category: Annotated[int, typer.Option("--heldout-per-category", min=1, max=15, help="held-out questions per category (AUROC a)")] = 8,
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", min=1, help="tokens the model writes after each forced opening")] = 32,
    prefill: Annotated[bool, typer.Option("--prefill/--no-prefill", help="start each persona answer with a forced opening (personas.yaml `openings`) and read only the tokens after it")] = True,
    fmt: FormatOpt = Format.table,
) -> None:
    """Build (once; later calls reuse it) and validate a base model's misaligned-persona direction, the monitor's
    `persona` signal (docs/monitor.md): AUROC with 95% intervals on (a) held-out questions' answers generated
    under misaligned vs aligned personas and (b) hand-labelled answers, teacher-forced.

    Example: emwatch monitor direction --model demo
    """
    import sys
    from dataclasses import replace

    import pandas as pd

    from emwatch.models import resolve_model
    from emwatch.monitor._direction import DirectionSettings, ensure_direction

    path = Path(resolve_model(model))
    if not (path / "config.json").is_file():
        fail(f"{path}: not a model folder (no config.json)")
    settings = replace(DirectionSettings(), train_per_category=train_per_category,
                       heldout_per_category=heldout_per_category, max_new_tokens=max_new_tokens, prefill=prefill)
    d, built = ensure_direction(path, out=out, settings=settings, dtype=dtype,
                                log=lambda m: print(m, file=sys.stderr))
    goals = {"heldout": 0.9, "labelled": 0.8}
    prefilled = bool(d.settings.get("prefill"))
    what = {"heldout": "(a) held-out questions, persona answers" + (" after unseen openings" if prefilled else ""),
            "labelled": "(b) hand-labelled answers, teacher-forced"}
    rows = [{"check": what[k], "n_misaligned": v["n_misaligned"], "n_aligned": v["n_aligned"], "auroc": v["auroc"],
             "ci_low": v["ci_low"], "ci_high": v["ci_high"], "goal": goals[k], "met": bool(v["auroc"] >= goals[k])}
            for k, v in ((k, d.validation[k]) for k in goals)]
    frame = pd.DataFrame(rows)
    info = {"direction": d.path, "built": built, "layer": d.layer, "sha256": d.sha256, "model": d.model,
            "model_hash": d.model_hash, "checks": rows,
            **{k: d.validation.get(k) for k in ("reads", "layer_rule", "heldout_whole_answer")}}

    def table() -> None:
        print(f"persona direction of {d.model}: layer {d.layer}, {'built' if built else 'reused'} at {d.path} "
              f"(sha256 {d.sha256[:12]})")
        if d.validation.get("reads"):
            print(f"(a) reads {d.validation['reads']}; the layer: best out-of-fold separation on the build half")
        print_table(frame.round({"auroc": 3, "ci_low": 3, "ci_high": 3}))

    emit(fmt, frame, data=info, table=table)


monitor_app.command("direction")(direction_cmd)
