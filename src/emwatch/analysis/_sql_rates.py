"""EM rates from counts aggregated in the store (Store.rate_counts): the frame `em_rates(load_answers(store), by,
cfg)` gives, without reading every answer into pandas. DuckDB counts per group and run; this module adds the
intervals (Wilson for one run, the two-stage bootstrap over runs for several) with em_rates' own code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from emwatch.analysis._rates import EXTRA_RATE_COLUMNS, RATE_COLUMNS, rates_from_counts
from emwatch.config import AnalyzeConfig


def em_rates_from_store(store: Any, by: Sequence[str] = (), cfg: AnalyzeConfig = AnalyzeConfig(), *,
                        judge: Any = None, configured: Any = None, only: Sequence[str] = ()) -> pd.DataFrame:
    """EM rate per group of `by` keys (n, n_excluded, em_rate, ci_low, ci_high, coherent_rate, n_misaligned,
    n_seeds, interval), counted in SQL. `judge`/`configured`: the judge per metric, chosen as load_answers chooses it
    (or a JudgeChoice). `only`: answer filters of Store.rate_counts ('unwrapped', 'plain').
    Runs within a group are taken in run-id order (the bootstrap's resampling order)."""
    by = list(by)
    counts = store.rate_counts(by, judge=judge, configured=cfg.judge if configured is None else configured,
                               aligned_below=cfg.aligned_below, coherent_above=cfg.coherent_above, only=only)
    cols = by + RATE_COLUMNS + EXTRA_RATE_COLUMNS
    if counts.empty:
        return pd.DataFrame(columns=cols)
    frame = counts.rename(columns={"unit": "_unit", "n": "_n", "n_excluded": "_excl", "n_misaligned": "_k",
                                   "n_coherent": "_coh", "n_coherence_asked": "_cohn"})
    for c in ("_n", "_excl", "_k", "_coh", "_cohn"):
        frame[c] = frame[c].astype(int)
    return rates_from_counts(frame, by, cfg)
