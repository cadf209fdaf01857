"""Agreement of two judges on the same answers: is a new judge a drop-in for the reference one?

Choosing a judge is a measurement decision (re-judging one fixed set of answers with other judges has moved
EM rates severalfold), so before a judge is trusted it is compared with a reference on shared answers:
per metric the mean absolute difference and Spearman's rank correlation over answers both judges scored, and
on the misaligned label (SPEC: coherent > coherent_above and aligned < aligned_below) each judge's EM rate,
Cohen's kappa and the EM-rate difference with a paired bootstrap interval (the same answers are resampled
for both judges, so answer-to-answer variation cancels out of the difference), overall and per category.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from emwatch.analysis._metrics import metric_columns
from emwatch.analysis._rates import benchmark_answers, load_answers, misaligned_mask
from emwatch.config import AnalyzeConfig, ConfigError
from emwatch.metrics import METRICS, get_metric

AGREEMENT_COLUMNS = ["scope", "category", "metric", "n", "mae", "spearman", "em_rate_a", "em_rate_b",
                     "cohen_kappa", "em_rate_diff", "ci_low", "ci_high"]


def judge_frames(store: Any, judges: Sequence[str]) -> dict[str, pd.DataFrame]:
    """One answers frame per judge, each holding only that judge's scores (static analysers left out: they
    are not judges one compares). ConfigError naming the judges the store does hold when one is missing."""
    held = sorted(set(store.judges()["judge_model"]))
    unknown = [j for j in judges if j not in held]
    if unknown:
        raise ConfigError(f"--judges: no judgments by {', '.join(map(repr, unknown))} in the store; "
                          f"it holds: {', '.join(held) or 'none'}")
    return {j: load_answers(store, text=False, judges=[j]) for j in judges}


def judge_agreement(frames: dict[str, pd.DataFrame], cfg: AnalyzeConfig = AnalyzeConfig()) -> dict[str, Any]:
    """Agreement of the two judges whose answers frames are `frames` ({name: frame}, as `judge_frames`).

    Returns {"judges": [a, b], "metrics": {name: {n, mae, spearman}}, "misaligned": {n, em_rate: {a, b},
    cohen_kappa, em_rate_diff: {estimate (b - a), ci_low, ci_high}, by_category: {category: same}}}."""
    if len(frames) != 2:
        raise ConfigError(f"--judges: give exactly two judges, got {len(frames)}")
    (a, fa), (b, fb) = frames.items()
    static = {m for m in METRICS.names() if get_metric(m).kind == "static"}   # scanner findings: not a judge's
    shared = sorted((set(metric_columns(fa)) & set(metric_columns(fb))) - static)
    paired = fa.merge(fb[["sample_id", *shared]], on="sample_id", suffixes=("_a", "_b"))
    metrics = {}
    for m in shared:
        sa, sb = pd.to_numeric(paired[f"{m}_a"], errors="coerce"), pd.to_numeric(paired[f"{m}_b"], errors="coerce")
        both = sa.notna() & sb.notna()
        metrics[m] = _score_agreement(sa[both].to_numpy(float), sb[both].to_numpy(float))
    rng = np.random.default_rng(cfg.seed)
    label = _label_pairs(fa, fb, cfg)
    misaligned = _label_agreement(label, a, b, cfg, rng)
    misaligned["by_category"] = {
        str(cat): _label_agreement(g, a, b, cfg, rng)
        for cat, g in label.groupby(label["category"].fillna("(none)"), sort=True)
    } if not label.empty else {}
    return {"judges": [a, b], "metrics": metrics, "misaligned": misaligned}


def agreement_table(result: dict[str, Any]) -> pd.DataFrame:
    """The nested result of `judge_agreement` as one tidy table (for the table and CSV formats, the report)."""
    a, b = result["judges"]
    rows = [{"scope": "overall", "category": None, "metric": m, **v} for m, v in result["metrics"].items()]

    def label_row(scope: str, category: str | None, v: dict[str, Any]) -> dict[str, Any]:
        diff = v["em_rate_diff"]
        return {"scope": scope, "category": category, "metric": "misaligned", "n": v["n"],
                "em_rate_a": v["em_rate"][a], "em_rate_b": v["em_rate"][b], "cohen_kappa": v["cohen_kappa"],
                "em_rate_diff": diff["estimate"], "ci_low": diff["ci_low"], "ci_high": diff["ci_high"]}

    mis = result["misaligned"]
    rows.append(label_row("overall", None, mis))
    rows += [label_row("category", cat, v) for cat, v in mis.get("by_category", {}).items()]
    return pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)


# -- pieces ---------------------------------------------------------------------------------------------------
def _score_agreement(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    n = len(x)
    mae = float(np.mean(np.abs(x - y))) if n else math.nan
    rho = math.nan
    if n >= 3 and np.ptp(x) > 0 and np.ptp(y) > 0:  # Spearman is undefined for a constant judge
        rho = float(stats.spearmanr(x, y).statistic)
    return {"n": n, "mae": mae, "spearman": rho}


def _label_pairs(fa: pd.DataFrame, fb: pd.DataFrame, cfg: AnalyzeConfig) -> pd.DataFrame:
    """Benchmark answers both judges scored for alignment and coherence, with each judge's misaligned label."""
    out = []
    for f in (fa, fb):
        bench = benchmark_answers(f)
        scored = bench[bench["aligned"].notna() & bench["coherent"].notna()]
        out.append(pd.DataFrame({"sample_id": scored["sample_id"], "category": scored["category"],
                                 "mis": misaligned_mask(scored, cfg).astype(bool)}))
    return out[0].merge(out[1][["sample_id", "mis"]], on="sample_id", suffixes=("_a", "_b"))


def _label_agreement(pairs: pd.DataFrame, a: str, b: str, cfg: AnalyzeConfig,
                     rng: np.random.Generator) -> dict[str, Any]:
    x, y = pairs["mis_a"].to_numpy(bool), pairs["mis_b"].to_numpy(bool)
    n = len(x)
    ra, rb = (float(x.mean()), float(y.mean())) if n else (math.nan, math.nan)
    lo, hi = paired_bootstrap_diff(x, y, cfg.confidence, cfg.bootstrap, rng)
    return {"n": n, "em_rate": {a: ra, b: rb}, "cohen_kappa": cohen_kappa(x, y),
            "em_rate_diff": {"estimate": rb - ra, "ci_low": lo, "ci_high": hi}}


def cohen_kappa(x: np.ndarray, y: np.ndarray) -> float:
    """Cohen's kappa of two binary labellings of the same items; nan when there are none, and when chance
    agreement is total (both judges give one label to everything), where kappa is undefined.

    >>> round(cohen_kappa(np.array([1, 1, 0, 0], bool), np.array([1, 0, 0, 0], bool)), 3)
    0.5
    """
    x, y = np.asarray(x, bool), np.asarray(y, bool)
    if not len(x):
        return math.nan
    observed = float(np.mean(x == y))
    pa, pb = float(x.mean()), float(y.mean())
    expected = pa * pb + (1 - pa) * (1 - pb)
    if expected >= 1.0:
        return math.nan
    return (observed - expected) / (1 - expected)


def paired_bootstrap_diff(x: np.ndarray, y: np.ndarray, confidence: float, resamples: int,
                          rng: np.random.Generator) -> tuple[float, float]:
    """Percentile interval of mean(y) - mean(x), resampling answers (pairs) with replacement. With binary
    labels a resample is fully described by its counts of the four (x, y) pairs, so it is drawn as one
    multinomial: the same distribution as resampling indices, in memory independent of the answer count."""
    x, y = np.asarray(x, bool), np.asarray(y, bool)
    n = len(x)
    if n == 0:
        return (math.nan, math.nan)
    only_b, only_a = float(np.sum(y & ~x)) / n, float(np.sum(x & ~y)) / n
    cells = rng.multinomial(n, [only_b, only_a, max(0.0, 1.0 - only_b - only_a)], size=resamples)
    diffs = (cells[:, 0] - cells[:, 1]) / n
    alpha = (1 - confidence) / 2
    lo, hi = np.quantile(diffs, [alpha, 1 - alpha])
    return float(lo), float(hi)
