"""The report's adaptive-sampling section: per checkpoint sampled under `sample.adaptive`, the answers the rule
used against those planned, why it stopped, and the rate with its confidence-sequence interval (docs/adaptive.md).
Read from the store's `monitor_events` rows of monitor 'adaptive' (written by emwatch.run.sample_adaptive)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from emwatch.report import _html as H
from emwatch.report._monitor import _detail
from emwatch.store._records import ADAPTIVE_MONITOR, ADAPTIVE_STOP

MONITOR = ADAPTIVE_MONITOR
COLUMNS = ["model", "dataset", "seed", "step", "planned", "used", "share_used", "rounds", "stop", "k", "n", "em_rate",
           "ci_low", "ci_high", "judge"]


def adaptive_table(events: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per checkpoint the rule decided; empty when none was sampled adaptively."""
    ev = events[(events["monitor"] == MONITOR) & (events["signal"] == ADAPTIVE_STOP)] if not events.empty else events
    if ev.empty:
        return pd.DataFrame(columns=COLUMNS)
    d = pd.DataFrame([_detail(x) for x in ev["detail"]], index=ev.index)
    out = pd.concat([ev[["run_id", "step"]], d.reindex(columns=["planned", "used", "rounds", "stop", "k", "n", "ci_low",
                                                                "ci_high", "judge"])], axis=1)
    out["share_used"] = out["used"] / out["planned"]
    out["em_rate"] = (out["k"] / out["n"]).where(out["n"] > 0)
    out = runs[["run_id", "model", "dataset", "seed"]].merge(out, on="run_id", how="right")
    return out.sort_values(["model", "dataset", "seed", "step"])[["run_id"] + COLUMNS].reset_index(drop=True)


def adaptive_section(store: Any, out: Path) -> tuple[str, Path] | None:
    """(section HTML, table CSV), or None when no checkpoint was sampled adaptively."""
    table = adaptive_table(store.monitor_events(), store.runs())
    if table.empty:
        return None
    csv = out / "tables" / "adaptive.csv"
    table.to_csv(csv, index=False)
    used, planned = int(table["used"].sum()), int(table["planned"].sum())
    lead = (f"Checkpoints sampled and judged in rounds until an anytime-valid interval decided them: {used:,} of "
            f"{planned:,} planned benchmark answers used. Stop: above base, below negligible, narrow (interval "
            "narrower than the set width) or max (the whole plan). Intervals: confidence sequences, valid at the "
            "round the rule stopped.")
    body = H.table_html(table) + '<p class="files">CSV: <a href="tables/adaptive.csv">adaptive.csv</a></p>'
    return H.section("adaptive", "Adaptive sampling", lead, body), csv
