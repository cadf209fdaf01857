"""Every judged metric at once: whatever metrics the store holds (registered ones and a question bank's own),
summarised per group — how many answers were judged, how many scores are missing, the mean score."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from emwatch.metrics import METRICS, get_metric

SUMMARY_COLUMNS = ["metric", "kind", "n_judged", "n_missing", "mean", "std", "share_above_50"]


def exact_mean(values: np.ndarray) -> float:
    """The mean of the values that are not NaN (NaN where none is), from their correctly rounded sum
    (`math.fsum`): the same number in any order of the values and whatever else is computed beside them (pandas'
    sums depend on both in the last digit, and a database gives rows in no fixed order)."""
    v = values[~np.isnan(values)]
    return math.fsum(v) / len(v) if len(v) else np.nan


def exact_std(values: np.ndarray) -> float:
    """The sample standard deviation (ddof 1) of the values that are not NaN, its sums correctly rounded as in
    `exact_mean`; NaN for fewer than two values."""
    v = values[~np.isnan(values)]
    if len(v) < 2:
        return np.nan
    mean = math.fsum(v) / len(v)
    return math.sqrt(math.fsum((v - mean) ** 2) / (len(v) - 1))


def metric_columns(answers: pd.DataFrame) -> list[str]:
    """The metrics present in an answers frame (each has `<metric>` and `<metric>_reason` columns)."""
    return sorted(c[: -len("_reason")] for c in answers.columns
                  if c.endswith("_reason") and c[: -len("_reason")] in answers.columns)


def metric_summary(answers: pd.DataFrame, by: Sequence[str] = ("model", "step")) -> pd.DataFrame:
    """Per group and metric: answers judged (`n_judged`: a score or a missing score with its reason), missing
    scores, mean and standard deviation of the scores, and the share of scores above 50. Groups where a metric
    was never judged are left out."""
    by = [c for c in by if c in answers.columns]
    rows = []
    for metric in metric_columns(answers):
        judged = answers[metric].notna() | answers[f"{metric}_reason"].notna()
        if f"{metric}_label" in answers:
            judged |= answers[f"{metric}_label"].notna()
        sel = answers.loc[judged, [*by, metric]]   # the group keys and the scores: not every column, per metric
        if sel.empty:
            continue
        kind = get_metric(metric).kind if metric in METRICS else "score"
        groups = sel.groupby(by, dropna=False, sort=True) if by else [((), sel)]
        for key, g in groups:
            key = key if isinstance(key, tuple) else (key,)
            scores = pd.to_numeric(g[metric], errors="coerce").dropna()
            values = scores.to_numpy(dtype=float)
            rows.append({**dict(zip(by, key)), "metric": metric, "kind": kind, "n_judged": len(g),
                         "n_missing": int(len(g) - len(scores)), "mean": exact_mean(values),
                         "std": exact_std(values),
                         "share_above_50": float((scores > 50).mean()) if len(scores) else np.nan})
    return pd.DataFrame(rows, columns=[*by, *SUMMARY_COLUMNS])


__all__ = ["exact_mean", "exact_std", "metric_columns", "metric_summary"]
