"""The report's online-monitor section: each monitored run's signals against step, with the monitor's
estimated onset and its stop marked, and a table of every decision. Drawn only when the store holds
monitor events (online runs, or `emwatch monitor replay --save`)."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from emwatch.report import _html as H
from emwatch.report._figures import EM_COLOR, TASK_COLOR, _figure, _label, _seed, _wrap
from emwatch.store._records import ADAPTIVE_MONITOR

MAX_PANELS = 8
STOPS = ("stop", "stop_keep_best")


def _detail(value: Any) -> dict:
    """An event's detail as a dict (the store returns the JSON column as text)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def monitor_figure(events: pd.DataFrame, runs: pd.DataFrame) -> Figure | None:
    """Per monitored run: probe EM rate (a replay's: the EM rate k/n at each look) and canary probability (left,
    from 0), log10 e-value (right) with the stop line at 1/alpha; the estimated onset (dotted) and the stop
    (dashed)."""
    if events.empty:
        return None
    keys = list(dict.fromkeys(zip(events["run_id"], events["monitor"])))[:MAX_PANELS]
    labels = {r.run_id: f"{_label(r.model, r.dataset)} · seed {_seed(r.seed)}" for r in runs.itertuples()}
    fig = _figure(9, 2.6 * len(keys) + 0.4)
    for i, (run_id, monitor) in enumerate(keys):
        ax = fig.add_subplot(len(keys), 1, i + 1)
        ev = events[(events["run_id"] == run_id) & (events["monitor"] == monitor)]
        by = {s: g.sort_values("step") for s, g in ev.groupby("signal")}
        for signal, color, name in (("probe_em_rate", EM_COLOR, "probe EM rate"), ("canary", "#8e5cc2", "canary p(misaligned)"),
                                    ("kl", "#2e8b57", "KL to base")):
            if signal in by:
                ax.plot(by[signal]["step"], by[signal]["value"], marker="o", ms=3, color=color, label=name)
        ax.set_ylabel("rate / probability")
        ax.set_xlabel("step")
        ax.set_ylim(0, 1.02)
        handles = []
        if "em_test" in by:
            t = by["em_test"]
            details = [_detail(d) for d in t["detail"]]
            if "probe_em_rate" not in by and all(d.get("n") for d in details):   # a replay: the look's own k/n
                ax.plot(t["step"], [d.get("k", 0) / d["n"] for d in details], marker="o", ms=3, color=EM_COLOR,
                        label="EM rate at the look (k/n)")
            ax2 = ax.twinx()
            handles += ax2.plot(t["step"], np.log10(t["value"].clip(lower=1e-12).astype(float)), color=TASK_COLOR,
                                ls="-", lw=1, label="log10 e-value")
            thr = next((d.get("threshold") for d in details if d.get("threshold")), None)
            if thr:
                handles.append(ax2.axhline(math.log10(thr), color=TASK_COLOR, ls=":", lw=1.2,
                                           label=f"stop: e-value ≥ 1/alpha = {thr:g}"))
                low, high = ax2.get_ylim()
                ax2.set_ylim(min(low, 0.0), max(high, math.log10(thr) * 1.15))
            ax2.set_ylabel("log10 e-value", color=TASK_COLOR)
            stop = t[t["decision"].isin(STOPS)]
            if len(stop):
                ax.axvline(stop["step"].iloc[0], color="black", ls="--", lw=1, label="stop")
                onset = _detail(stop["detail"].iloc[0]).get("onset_step")
                if onset is not None:
                    ax.axvline(onset, color="#d98a00", ls=":", lw=1.5, label="estimated onset")
        ax.set_title(_wrap(f"{labels.get(run_id, run_id)} — {monitor}", 110), fontsize=9)
        mine = ax.get_legend_handles_labels()[0]
        if mine or handles:
            ax.legend(handles=mine + handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.1, 1))
    return fig


def decisions_table(events: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per look of the sequential test: run, step, counts, e-value and decision."""
    t = events[events["signal"] == "em_test"]
    if t.empty:
        return pd.DataFrame()
    detail = pd.DataFrame([_detail(d) for d in t["detail"]], index=t.index)
    out = pd.concat([t[["run_id", "monitor", "step", "value", "decision"]].rename(columns={"value": "e_value"}),
                     detail.reindex(columns=["k", "n", "p0", "kept_step"])], axis=1)
    return runs[["run_id", "model", "dataset", "seed"]].merge(out, on="run_id", how="right")


def monitor_section(store: Any, out: Path) -> tuple[str, list[Path], Path] | None:
    """(section HTML, figure files, table CSV) of the monitor section, or None when there are no events."""
    events = store.monitor_events()
    if not events.empty:  # the adaptive rule's stops have their own section (report._adaptive)
        events = events[events["monitor"] != ADAPTIVE_MONITOR]
    if events.empty:
        return None
    runs = store.runs()
    body, files = "", []
    fig = monitor_figure(events, runs)
    if fig is not None:
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        (out / "figures" / "monitor.png").write_bytes(buf.getvalue())
        fig.savefig(out / "figures" / "monitor.svg", format="svg")
        files = [out / "figures" / "monitor.png", out / "figures" / "monitor.svg"]
        body += H.figure_html("monitor", buf.getvalue(), " ".join((monitor_figure.__doc__ or "").split()))
    table = decisions_table(events, runs)
    csv = out / "tables" / "monitor_decisions.csv"
    table.to_csv(csv, index=False)
    body += "<h3>monitor decisions</h3>" + H.table_html(table) + \
        '<p class="files">CSV: <a href="tables/monitor_decisions.csv">monitor_decisions.csv</a></p>'
    lead = ("Every look of the online EM monitor: judged probe EM rate, judge-free signals (forced-choice canaries, KL "
            "to the base model) and the anytime-valid test's e-value; the run stops when it reaches 1/alpha.")
    return H.section("monitor", "Online monitor", lead, body), files, csv
