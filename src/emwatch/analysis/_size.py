"""Size and EM: does EM susceptibility grow with model size?

Per model (and dataset) the EM rate is the mean over seeds of the final checkpoints' rates. The statistics
are computed twice, against log10(parameters) and against parameters: Pearson r with its p-value, a 95%
Fisher-z interval and a percentile bootstrap over models; Spearman rho; and leave-one-out r (the smallest
and largest r when one model is left out, and r without the largest model) to show when a few big models
alone drive the correlation.
"""

from __future__ import annotations

import math
import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from emwatch.config import AnalyzeConfig, ConfigError, read_yaml

SIZES_ENV = "EMWATCH_MODEL_SIZES"
SIZE_COLUMNS = ["name", "params_b", "active_b", "family", "lineup"]


def _norm(name: str) -> str:
    return re.split(r"[/\\]", str(name).strip().rstrip("/\\"))[-1].lower()


def _parse_sizes(data: Any, source: str, lines: dict) -> dict[str, dict[str, Any]]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}:1: expected a mapping of model name -> size, found {type(data).__name__}")
    out: dict[str, dict[str, Any]] = {}
    for name, entry in data.items():
        where = f"{source}:{lines.get((name,), '?')}"
        if isinstance(entry, (int, float)) and not isinstance(entry, bool):
            entry = {"params_b": entry}
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: field '{name}': expected a number or a mapping with params_b")
        unknown = set(entry) - {"params_b", "active_b", "family", "lineup", "aliases"}
        if unknown:
            raise ConfigError(f"{where}: field '{name}.{sorted(unknown)[0]}': unknown key")
        params = entry.get("params_b")
        if not isinstance(params, (int, float)) or isinstance(params, bool) or params <= 0:
            raise ConfigError(f"{where}: field '{name}.params_b': expected a positive number, found {params!r}")
        row = {"name": str(name), "params_b": float(params), "active_b": entry.get("active_b"),
               "family": entry.get("family"), "lineup": bool(entry.get("lineup", False))}
        for alias in [name, *entry.get("aliases", [])]:
            out[_norm(alias)] = row
    return out


def load_model_sizes(path: str | Path | None = None) -> pd.DataFrame:
    """The packaged size table, extended (and overridden) by $EMWATCH_MODEL_SIZES and then by `path`.
    Returns one row per name or alias: key (normalised name), name, params_b, active_b, family, lineup."""
    packaged = resources.files("emwatch.analysis").joinpath("model_sizes.yaml")
    with resources.as_file(packaged) as p:
        data, lines = read_yaml(p)
    table = _parse_sizes(data, str(packaged), lines)
    for extra in (os.environ.get(SIZES_ENV), path):
        if extra:
            data, lines = read_yaml(extra)
            table.update(_parse_sizes(data, str(extra), lines))
    rows = [{"key": k, **v} for k, v in table.items()]
    return pd.DataFrame(rows, columns=["key"] + SIZE_COLUMNS)


def size_of(model: str, sizes: pd.DataFrame) -> dict[str, Any] | None:
    """Look a run's model name up in the size table (case-insensitive, last path component, then without
    an -instruct/-it suffix)."""
    key = _norm(model)
    for k in (key, re.sub(r"-(instruct|it|chat)$", "", key)):
        hit = sizes[sizes["key"] == k]
        if not hit.empty:
            return hit.iloc[0].to_dict()
    return None


def size_points(ms: pd.DataFrame, sizes: pd.DataFrame) -> pd.DataFrame:
    """Per (dataset, model): params_b, active_b, family, n_seeds, em_rate (mean over seeds of the final
    rate), base_rate, em_above_base. Models missing from the size table get params_b = nan."""
    cols = ["dataset", "model", "params_b", "active_b", "family", "n_seeds", "em_rate", "base_rate", "em_above_base"]
    if ms.empty:
        return pd.DataFrame(columns=cols)
    g = ms.groupby(["dataset", "model"], dropna=False).agg(
        n_seeds=("run_id", "count"), em_rate=("final_em_rate", "mean"), base_rate=("base_rate", "first")).reset_index()
    info = [size_of(m, sizes) or {} for m in g["model"]]
    g["params_b"] = [i.get("params_b", math.nan) for i in info]
    g["active_b"] = [i.get("active_b") for i in info]
    g["family"] = [i.get("family") for i in info]
    g["em_above_base"] = g["em_rate"] - g["base_rate"].fillna(0.0)
    return g[cols]


def correlate(x: np.ndarray, y: np.ndarray, labels: list[str], cfg: AnalyzeConfig = AnalyzeConfig()) -> dict[str, Any]:
    """Pearson r (p, Fisher-z and bootstrap intervals), Spearman rho, leave-one-out r, fitted line."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    out: dict[str, Any] = {"n_models": n}
    if n < 3 or np.std(x) == 0 or np.std(y) == 0:
        return out
    r, p = stats.pearsonr(x, y)
    rho, rho_p = stats.spearmanr(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    out.update(r=float(r), p=float(p), rho=float(rho), rho_p=float(rho_p), slope=float(slope), intercept=float(intercept))
    zq = stats.norm.ppf(0.5 + cfg.confidence / 2)
    if n > 3:
        z, se = math.atanh(max(min(r, 1 - 1e-12), -1 + 1e-12)), 1 / math.sqrt(n - 3)
        out.update(ci_low=math.tanh(z - zq * se), ci_high=math.tanh(z + zq * se))
    rng = np.random.default_rng(cfg.seed)
    idx = rng.integers(0, n, size=(cfg.bootstrap, n))
    xb, yb = x[idx], y[idx]
    xc, yc = xb - xb.mean(1, keepdims=True), yb - yb.mean(1, keepdims=True)
    den = np.sqrt((xc ** 2).sum(1) * (yc ** 2).sum(1))
    ok = den > 0
    rb = (xc * yc).sum(1)[ok] / den[ok]
    alpha = (1 - cfg.confidence) / 2
    out.update(boot_low=float(np.quantile(rb, alpha)), boot_high=float(np.quantile(rb, 1 - alpha)))
    loo = []
    for i in range(n):
        keep = np.arange(n) != i
        ok = np.std(x[keep]) > 0 and np.std(y[keep]) > 0 and n > 3
        loo.append(float(stats.pearsonr(x[keep], y[keep])[0]) if ok else math.nan)
    loo_arr = np.array(loo)
    if np.isfinite(loo_arr).any():
        lo_i, hi_i = int(np.nanargmin(loo_arr)), int(np.nanargmax(loo_arr))
        out.update(loo_min=loo[lo_i], loo_min_without=labels[lo_i], loo_max=loo[hi_i], loo_max_without=labels[hi_i],
                   r_without_largest=loo[int(np.argmax(x))])
    return out


STAT_COLUMNS = ["dataset", "scale", "n_models", "r", "p", "ci_low", "ci_high", "boot_low", "boot_high", "rho", "rho_p",
                "loo_min", "loo_min_without", "loo_max", "loo_max_without", "r_without_largest", "slope", "intercept"]


def size_em(points: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig(), y: str = "em_rate") -> pd.DataFrame:
    """Correlation of `y` (em_rate or em_above_base) with size, per dataset and scale (log10, linear)."""
    rows = []
    pts = points.dropna(subset=["params_b", y])
    for dataset, g in pts.groupby("dataset", dropna=False, sort=True):
        for scale, x in (("log10", np.log10(g["params_b"].to_numpy(float))), ("linear", g["params_b"].to_numpy(float))):
            rows.append({"dataset": dataset, "scale": scale, **correlate(x, g[y].to_numpy(float), list(g["model"]), cfg)})
    return pd.DataFrame(rows, columns=STAT_COLUMNS)
