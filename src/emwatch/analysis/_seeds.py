"""Consistency of EM across seeds (SPEC): every seed's final checkpoint is "above" its base model by the test of
`emwatch.analysis._compare` (Newcombe interval of the difference at the configured level); `AnalyzeConfig.
consistent_k` relaxes "every" to "at least k". The verdict is yes / no / insufficient data / no base
(`consistency_verdict`): "no" only when so many seeds are "not above" that k cannot be reached."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from emwatch.analysis._compare import consistency_verdict
from emwatch.analysis._rates import bootstrap_pooled, wilson_interval
from emwatch.config import AnalyzeConfig

CONFIG_KEYS = ["model", "dataset", "group", "lr"]
CONSISTENCY_COLUMNS = ["n_seeds", "n_unscored", "n_above", "n_not_above", "n_undecided", "k_required", "consistent",
                       "base_n", "base_rate", "em_rate", "ci_low", "ci_high", "interval", "seeds", "seed_n",
                       "seed_rates", "seed_ci_lows", "seed_diff_lows", "seed_verdicts"]


def consistency(ms: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig(), by: list[str] | None = None) -> pd.DataFrame:
    """Per configuration (default: model, dataset, group, lr) from the runs' milestones: seeds (every run,
    also one without scored answers: n_unscored, whose verdict is "insufficient data"), how many are above /
    not above / undecided, the verdict, the base's n and rate, per seed its n, rate, Wilson lower bound, the
    lower bound of its difference with the base and its verdict, and the pooled rate with its interval
    (bootstrap over seeds with a binomial redraw; Wilson for one seed)."""
    by = by or CONFIG_KEYS
    cols = by + CONSISTENCY_COLUMNS
    if ms.empty:
        return pd.DataFrame(columns=cols)
    rng = np.random.default_rng(cfg.seed)
    rows = []
    for key, g in ms.sort_values("seed").groupby(by, dropna=False, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        n_seeds = len(g)
        k_required = cfg.consistent_k or n_seeds   # more than there are seeds: cannot be consistent
        scored = g[g["final_n"].fillna(0) > 0]
        verdicts = [v if isinstance(v, str) else "insufficient data" for v in g["final_vs_base"]]
        k, n = scored["final_n_misaligned"].to_numpy(int), scored["final_n"].to_numpy(int)
        if len(scored) > 1:
            (lo, hi), interval = bootstrap_pooled(k, n, cfg.confidence, cfg.bootstrap, rng), "bootstrap"
        elif len(scored) == 1:
            (lo, hi), interval = wilson_interval(int(k[0]), int(n[0]), cfg.confidence), "wilson"
        else:
            (lo, hi), interval = (math.nan, math.nan), None
        rows.append({
            **dict(zip(by, key)), "n_seeds": n_seeds, "n_unscored": n_seeds - len(scored),
            "n_above": verdicts.count("above"), "n_not_above": verdicts.count("not above"),
            "n_undecided": verdicts.count("insufficient data"), "k_required": k_required,
            "consistent": consistency_verdict(verdicts, k_required),
            "base_n": int(g["base_n"].fillna(0).max()) if "base_n" in g else 0, "base_rate": g["base_rate"].iloc[0],
            "em_rate": k.sum() / n.sum() if n.sum() else math.nan, "ci_low": lo, "ci_high": hi, "interval": interval,
            "seeds": list(g["seed"]), "seed_n": [int(x) if pd.notna(x) else 0 for x in g["final_n"]],
            "seed_rates": [_r(x) for x in g["final_em_rate"]], "seed_ci_lows": [_r(x) for x in g["final_ci_low"]],
            "seed_diff_lows": [_r(x) for x in g.get("final_diff_low", pd.Series(math.nan, index=g.index))],
            "seed_verdicts": verdicts,
        })
    return pd.DataFrame(rows, columns=cols)


def _r(x: float) -> float | None:
    return None if pd.isna(x) else round(float(x), 4)
