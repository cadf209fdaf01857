"""AUROC of a score between two groups, its 95% interval, and a separation (Cohen's d): the persona direction's
validation figures (monitor._direction)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def auroc(pos: Sequence[float], neg: Sequence[float]) -> float:
    """P(score of a positive > score of a negative), ties counted one half (Mann-Whitney U / (n1 n0))."""
    p, n = np.asarray(pos, float), np.asarray(neg, float)
    if not len(p) or not len(n):
        return math.nan
    return float(((p[:, None] > n[None, :]).sum() + 0.5 * (p[:, None] == n[None, :]).sum()) / (len(p) * len(n)))


def _hm_variance(theta: np.ndarray, n_pos: int, n_neg: int) -> np.ndarray:
    """Hanley & McNeil's variance of an AUROC estimate at true value theta."""
    return theta * (1 - theta) / (n_pos * n_neg) * (1 + (n_pos - 1) * (1 - theta) / (2 - theta)
                                                    + (n_neg - 1) * theta / (1 + theta))


def auroc_interval(a: float, n_pos: int, n_neg: int, confidence: float = 0.95) -> tuple[float, float]:
    """Score-type interval of an AUROC: the values theta with (a - theta)^2 <= z^2 V(theta), V Hanley-McNeil's
    variance taken at theta (as Wilson's interval takes a proportion's variance at the candidate, not at the
    estimate), so an AUROC of 1 on few answers still gets a lower bound below 1."""
    from scipy.stats import norm

    if not n_pos or not n_neg or math.isnan(a):
        return math.nan, math.nan
    z = norm.ppf(0.5 + confidence / 2)
    theta = np.linspace(0.0, 1.0, 200_001)
    ok = theta[(a - theta) ** 2 <= z * z * _hm_variance(theta, n_pos, n_neg) + 1e-15]
    return float(ok.min()), float(ok.max())


def separation(pos: np.ndarray, neg: np.ndarray) -> float:
    sd = math.sqrt((pos.var(ddof=1) + neg.var(ddof=1)) / 2) if len(pos) > 1 and len(neg) > 1 else 0.0
    return float((pos.mean() - neg.mean()) / sd) if sd > 0 else float(pos.mean() - neg.mean())



def figures(pos: np.ndarray, neg: np.ndarray) -> dict:
    """AUROC, its 95% interval, the group sizes and means of scores of misaligned (`pos`) and aligned (`neg`)."""
    a = auroc(pos, neg)
    lo, hi = auroc_interval(a, len(pos), len(neg))
    return {"auroc": a, "ci_low": lo, "ci_high": hi, "n_misaligned": int(len(pos)), "n_aligned": int(len(neg)),
            "mean_misaligned": float(pos.mean()) if len(pos) else None,
            "mean_aligned": float(neg.mean()) if len(neg) else None}
