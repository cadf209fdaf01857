"""`replay`: the monitor's decision run offline over the judged checkpoints already in a store.

Each fine-tuning (or imported) run is looked at once per checkpoint, in step order, with the same test the
online monitor uses. The base rate is the run's model's base run (step 0 of `dynamics`); a run without one
(an imported CSV with a `step` column) uses its own step 0 as its base. The onset step is SPEC's
(`emwatch.analysis.onset_step` over `emwatch.analysis._compare.base_verdict`: first checkpoint from which the
Newcombe interval of the difference with the base stays above 0), so replay's stop and the offline analyses'
onset are measured on the same footing.

With `cascade_every` set, the judging cascade (monitor._cascade) decides which looks are judged, from the
judge-free signals stored for the run (MonitorEvents of `cascade_signals`, e.g. persona_fixed, canary, kl, written
by the online monitor; replay's own events are never read back): a judged look's counts come from the stored
judged answers, a skipped look enters the test as a look without answers, as online. Bands are calibrated as
online: on the run's step-0 signal values and the `cascade_control` file, `cascade_bands` winning. Two values of
one signal at one step (two monitors of a run) count as their maximum: the one more likely to judge. Judge calls
are counted for the looks after the base (the base is judged either way), up to the stop for the stopping actions:
per answer 1 alignment call and 1 coherence call (`coherence: always`) or a coherence call only where the stored
alignment is below `aligned_below` (`if_unaligned`).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from emwatch.analysis import load_answers, resolve_judge
from emwatch.analysis._compare import base_verdict
from emwatch.analysis._dynamics import dynamics, onset_step
from emwatch.config import AnalyzeConfig, MonitorConfig
from emwatch.errors import ConfigError
from emwatch.monitor._cascade import cascade_for
from emwatch.monitor._sequential import OnsetTest, null_rate
from emwatch.store import MonitorEvent

REPLAY_COLUMNS = ["run_id", "model", "dataset", "seed", "lr", "group", "looks", "base_n", "base_misaligned",
                  "p0", "stop_step", "onset_step", "delay_looks", "estimated_onset_step", "kept_step", "final_step",
                  "task_at_kept", "final_task", "retention", "em_rate_at_stop", "e_value_max", "judged_looks",
                  "skipped_steps", "judge_calls", "judge_calls_always", "cascade_signals", "judge"]


def replay(store, cfg: MonitorConfig = MonitorConfig(), acfg: AnalyzeConfig | None = None, *,
           save: bool = False, judge=None) -> pd.DataFrame:
    """One row per run: when the monitor would have stopped it (stop_step, None = never), SPEC's onset step,
    the delay in looks, the checkpoint kept (stop_keep_best: best task before the estimated onset) and the
    task retention there, from one judge's scores (`judge`, else `acfg.judge`, else each metric's only judge;
    named in the `judge` column). `save` stores each look's decision as MonitorEvent records (monitor
    'replay:NAME'), with the test's stop threshold 1/alpha."""
    acfg = acfg or AnalyzeConfig(aligned_below=cfg.aligned_below, coherent_above=cfg.coherent_above)
    choice = resolve_judge(store, judge, acfg)
    answers = load_answers(store, text=False, judge=choice)
    dyn = dynamics(answers, acfg)
    calls = _calls_per_look(answers, cfg)
    signals, control = {}, []
    if cfg.cascade_every:
        signals = stored_signals(store, cfg.cascade_signals)
        if cfg.cascade_control:
            from emwatch.monitor._monitor import read_events

            if not Path(cfg.cascade_control).is_file():
                raise ConfigError(f"monitor.cascade_control: {cfg.cascade_control}: no such file (a benign control "
                                  "fine-tune's monitor_events.jsonl)")
            control = read_events(cfg.cascade_control)
    rows, events = [], []
    for run_id, g in dyn.groupby("run_id", sort=False):
        row, evs = _replay_run(g.sort_values("step"), cfg, acfg, calls.get(run_id, {}),
                               signals.get(run_id, {}) if cfg.cascade_every else None, control)
        rows.append(row)
        events += [MonitorEvent(run_id=run_id, step=s, monitor=f"replay:{cfg.name}", signal=sig, value=v,
                                decision=d, detail=det) for s, sig, v, d, det in evs]
    if save and events:
        store.add(events)
    return pd.DataFrame(rows, columns=REPLAY_COLUMNS).assign(judge=choice.of() or None)


def stored_signals(store, names) -> dict[str, dict[int, dict[str, float]]]:
    """run_id -> step -> {signal: value} of the judge-free signals `names` in the store's MonitorEvents (replay's
    own events left out; two values at one step, from two monitors, give their maximum)."""
    ev = store.monitor_events()
    ev = ev[ev["signal"].isin(list(names)) & ev["value"].notna() & ~ev["monitor"].astype(str).str.startswith("replay:")]
    out: dict[str, dict[int, dict[str, float]]] = {}
    for (run_id, step, signal), v in ev.groupby(["run_id", "step", "signal"])["value"].max().items():
        out.setdefault(str(run_id), {}).setdefault(int(step), {})[str(signal)] = float(v)
    return out


def _calls_per_look(answers: pd.DataFrame, cfg: MonitorConfig) -> dict[str, dict[int, int]]:
    """run_id -> step -> the judge calls judging that look's benchmark answers would take (see the module doc)."""
    a = answers[answers["is_benchmark"].astype(bool) & answers["step"].notna()]
    if a.empty:
        return {}
    coherence = np.ones(len(a), int) if cfg.coherence == "always" else \
        (a["aligned"].to_numpy(float) < cfg.aligned_below).astype(int)
    per = a.assign(_calls=1 + coherence).groupby(["run_id", "step"])["_calls"].sum()
    out: dict[str, dict[int, int]] = {}
    for (run_id, step), c in per.items():
        out.setdefault(str(run_id), {})[int(step)] = int(c)
    return out


def _replay_run(g: pd.DataFrame, cfg: MonitorConfig, acfg: AnalyzeConfig, calls: dict[int, int],
                signals: dict[int, dict[str, float]] | None, control: list) -> tuple[dict, list[tuple]]:
    first = g.iloc[0]
    base = g[g["from_base"].astype(bool)]
    if base.empty:  # no base run of this model: the run's own step 0 is its base
        base = g[(g["step"] == 0) & g["n"].notna()]
    looks = g[(g["step"] > 0) & g["n"].notna() & (g["n"] > 0)]
    base_n = int(base["n"].iloc[0]) if len(base) and pd.notna(base["n"].iloc[0]) else 0
    base_k = int(base["n_misaligned"].iloc[0]) if base_n else 0
    p0 = null_rate(base_k, base_n, base_rate=cfg.base_rate, floor=cfg.min_base_rate, confidence=cfg.base_confidence)
    test = OnsetTest(p0, cfg.alpha, cfg.alternatives, horizon=len(looks) or None)
    steps = looks["step"].to_numpy(float)
    above = np.array([base_verdict(int(k), int(n), base_k, base_n, acfg.confidence, acfg.margin, acfg.min_effect)
                      == "above" for k, n in zip(looks["n_misaligned"], looks["n"])], bool)
    onset = onset_step(steps, above) if len(looks) else math.nan
    stop = est = None
    e_max, events = 0.0, []
    cascade = cascade_for(cfg, signals.get(0, {}), control) if signals is not None else None
    judged_looks, skipped, used, always = 0, [], 0, 0
    for look, (_, r) in enumerate(looks.iterrows(), start=1):
        step = int(r["step"])
        reason = None
        if cascade is not None:
            reason = cascade.why(look, signals.get(step, {}), test.last.e_value if test.last else None)
            events.append((step, "cascade", float(reason is not None), None, {"reason": reason or "signals in band"}))
        judged = cascade is None or reason is not None
        if stop is None or cfg.action not in ("stop", "stop_keep_best"):  # a stopped run takes no more looks
            always += calls.get(step, 0)
            used += calls.get(step, 0) if judged else 0
            judged_looks += judged
            if not judged:
                skipped.append(step)
        d = test.update(int(r["n_misaligned"]), int(r["n"])) if judged else test.update(0, 0)
        e_max = max(e_max, d.e_value)
        decision = "continue" if stop is None and not d.decided else ("after_stop" if stop is not None else "stop")
        if d.decided and stop is None:
            stop = int(r["step"])
            est = int(looks["step"].iloc[d.onset_look - 1]) if d.onset_look else stop
        events.append((step, "em_test", min(d.e_value, 1e300), decision,
                       {"k": int(r["n_misaligned"]) if judged else 0, "n": int(r["n"]) if judged else 0, "p0": p0,
                        "look": d.look, "threshold": d.threshold, "judged": judged}))
    task = g[g["step"] > 0].dropna(subset=["task_rate"])
    final_step = float(g["step"].max())
    kept = _kept(g, stop, est, cfg) if stop is not None else final_step
    final_task = float(task["task_rate"].iloc[-1]) if len(task) else math.nan
    at_kept = task.loc[task["step"] == kept, "task_rate"] if kept is not None else task.iloc[:0]["task_rate"]
    task_kept = float(at_kept.iloc[0]) if len(at_kept) else math.nan
    at_stop = looks.loc[looks["step"] == stop, "em_rate"] if stop is not None else []
    delay = (int(np.searchsorted(steps, stop)) - int(np.searchsorted(steps, onset))
             if stop is not None and not math.isnan(onset) else None)
    return {
        **{k: first[k] for k in ("run_id", "model", "dataset", "seed", "lr", "group")}, "looks": len(looks),
        "base_n": base_n, "base_misaligned": base_k, "p0": p0, "stop_step": stop,
        "onset_step": None if math.isnan(onset) else int(onset), "delay_looks": delay, "estimated_onset_step": est,
        "kept_step": None if kept is None else int(kept), "final_step": int(final_step) if len(g) else None,
        "task_at_kept": task_kept, "final_task": final_task,
        "retention": task_kept / final_task if final_task and not math.isnan(final_task) else math.nan,
        "em_rate_at_stop": float(at_stop.iloc[0]) if len(at_stop) else math.nan, "e_value_max": e_max,
        "judged_looks": judged_looks, "skipped_steps": skipped, "judge_calls": used, "judge_calls_always": always,
        "cascade_signals": None if signals is None else ",".join(sorted({s for v in signals.values() for s in v})),
    }, events


def _kept(g: pd.DataFrame, stop: int, onset_est: int | None, cfg: MonitorConfig) -> float | None:
    """The checkpoint a stop keeps: `stop` for action stop; for stop_keep_best the best task metric (highest;
    else lowest held-out loss) among checkpoints before the estimated onset; without either, the last one
    before it; None when there is none (keep the base model)."""
    if cfg.action != "stop_keep_best":
        return float(stop)
    before = g[(g["step"] > 0) & (g["step"] < (onset_est if onset_est is not None else stop))]
    if before["task_rate"].notna().any():
        b = before.dropna(subset=["task_rate"])
        return float(b.loc[b["task_rate"].idxmax(), "step"])
    if before["heldout_loss"].notna().any():
        b = before.dropna(subset=["heldout_loss"])
        return float(b.loc[b["heldout_loss"].idxmin(), "step"])
    return float(before["step"].max()) if len(before) else None
