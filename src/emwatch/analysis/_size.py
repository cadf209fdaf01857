"""Size and EM: does EM susceptibility grow with model size?

Per model (and dataset) the EM rate is the mean over seeds of the final checkpoints' rates; the correlation is
of its excess over the base model's rate (em_above_base) by default. Sizes come from the run's own config
(`params_b`), then `AnalyzeConfig.model_sizes`, then model_sizes.yaml (extended by --sizes). Every model of the
store is named: used, or left out with why (no fine-tuning run, no scored answers, no base, no size). The statistics
are computed twice, against log10(parameters) and against parameters: Pearson r with its p-value, a 95%
Fisher-z interval and a percentile bootstrap over models; Spearman rho; and leave-one-out r (the smallest
and largest r when one model is left out, and r without the largest model) to show when a few big models
alone drive the correlation.
"""

from __future__ import annotations

import json
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


def run_sizes(store: Any) -> pd.DataFrame:
    """Parameter counts recorded with the runs themselves (the run config's `params_b`, which
    `emwatch import --params-b N` writes): one row per model, columns model, params_b. A model whose runs
    disagree, or a value that is not a positive number, is a ConfigError naming the run."""
    con = getattr(store, "con", None)
    if con is None:
        return pd.DataFrame(columns=["model", "params_b"])
    rows = con.execute("SELECT run_id, model, json_extract(config, '$.params_b') FROM runs "
                       "WHERE json_extract(config, '$.params_b') IS NOT NULL ORDER BY run_id").fetchall()
    found: dict[str, tuple[float, str]] = {}
    for run_id, model, raw in rows:
        try:
            value = float(json.loads(raw) if isinstance(raw, str) else raw)
        except (TypeError, ValueError):
            value = math.nan
        if not value > 0:
            raise ConfigError(f"run {run_id}: field 'config.params_b': expected a positive number, found {raw!r}")
        if model in found and found[model][0] != value:
            raise ConfigError(f"run {run_id}: field 'config.params_b': {value:g} for model {model!r}, but run "
                              f"{found[model][1]} says {found[model][0]:g}")
        found[model] = (value, run_id)
    return pd.DataFrame([{"model": m, "params_b": v} for m, (v, _) in found.items()], columns=["model", "params_b"])


def _lookup(model: str, per_run: dict[str, float], per_study: dict[str, float], sizes: pd.DataFrame) -> tuple[dict, str | None]:
    """A model's size info and where it came from: the run config, the study config, then the size table."""
    if model in per_run:
        return {"params_b": per_run[model]}, "run config"
    study = {_norm(k): v for k, v in per_study.items()}
    key = _norm(model)
    for k in (key, re.sub(r"-(instruct|it|chat)$", "", key)):
        if k in study:
            return {"params_b": float(study[k])}, "analyze config"
    info = size_of(model, sizes)
    return (info, "size table") if info else ({}, None)


POINT_COLUMNS = ["dataset", "model", "params_b", "size_source", "active_b", "family", "n_seeds", "n_scored_seeds",
                 "em_rate", "base_n", "base_rate", "em_above_base", "used", "left_out"]
NEEDS_BASE = {"em_above_base"}


def size_points(ms: pd.DataFrame, sizes: pd.DataFrame, run_sizes: pd.DataFrame | None = None,
                cfg: AnalyzeConfig = AnalyzeConfig(), models: list[str] | None = None, y: str = "em_above_base") -> pd.DataFrame:
    """Per (dataset, model): params_b and its source (run config, analyze config, size table), seeds (and those
    with scored answers), em_rate (mean over scored seeds of the final rate), the base's n and rate,
    em_above_base (em_rate - base rate; nan without a base), and whether the correlation of `y` uses the model
    or why it is left out: "no scored answers", "no base" (when `y` needs one), "no size". `models` (every model
    of the store) adds a row, dataset empty, "no fine-tuning run", for each model with base runs only."""
    per_run = dict(zip(run_sizes["model"], run_sizes["params_b"])) if run_sizes is not None else {}
    rows = []
    if not ms.empty:
        for (dataset, model), g in ms.groupby(["dataset", "model"], dropna=False, sort=True):
            scored = g[g["final_n"].fillna(0) > 0]
            base_n = int(g["base_n"].fillna(0).max()) if "base_n" in g else int(g["base_rate"].notna().any())
            em = scored["final_em_rate"].mean() if len(scored) else math.nan
            base = g["base_rate"].iloc[0] if base_n else math.nan
            rows.append({"dataset": dataset, "model": model, "n_seeds": len(g), "n_scored_seeds": len(scored),
                         "em_rate": em, "base_n": base_n, "base_rate": base, "em_above_base": em - base})
    tuned = {r["model"] for r in rows}
    rows += [{"dataset": None, "model": m, "n_seeds": 0, "n_scored_seeds": 0, "em_rate": math.nan, "base_n": 0,
              "base_rate": math.nan, "em_above_base": math.nan} for m in sorted(set(models or []) - tuned)]
    for r in rows:
        info, source = _lookup(r["model"], per_run, cfg.model_sizes, sizes)
        r.update(params_b=info.get("params_b", math.nan), size_source=source, active_b=info.get("active_b"),
                 family=info.get("family"))
        reason = ("no fine-tuning run" if r["model"] not in tuned else "no scored answers" if not r["n_scored_seeds"]
                  else "no base" if y in NEEDS_BASE and not r["base_n"] else "no size" if source is None else None)
        r.update(used=reason is None, left_out=reason)
    return pd.DataFrame(rows, columns=POINT_COLUMNS)


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


STAT_COLUMNS = ["dataset", "scale", "y", "n_models", "r", "p", "ci_low", "ci_high", "boot_low", "boot_high", "rho",
                "rho_p", "loo_min", "loo_min_without", "loo_max", "loo_max_without", "r_without_largest", "slope",
                "intercept", "models", "n_left_out", "left_out"]


def size_em(points: pd.DataFrame, cfg: AnalyzeConfig = AnalyzeConfig(), y: str = "em_above_base") -> pd.DataFrame:
    """Correlation of `y` (em_above_base, the default, or em_rate) with size, per dataset and scale (log10,
    linear), over the points `size_points` marks as used. Each row names the models it used (`models`) and the
    ones left out with why (`left_out`: that dataset's models, and the models without a fine-tuning run)."""
    rows = []
    if points.empty:
        return pd.DataFrame(columns=STAT_COLUMNS)
    if "used" not in points:   # points from elsewhere: use every point with a size and a value
        points = points.assign(used=points["params_b"].notna() & points[y].notna(), left_out=None)
    orphans = points[points["dataset"].isna() & ~points["used"]]
    for dataset, g in points[points["dataset"].notna()].groupby("dataset", sort=True):
        g = g.sort_values("model")
        used = g[g["used"]]
        out = pd.concat([g[~g["used"]], orphans])
        left = [{"model": m, "reason": r} for m, r in zip(out["model"], out["left_out"])]
        for scale, x in (("log10", np.log10(used["params_b"].to_numpy(float))), ("linear", used["params_b"].to_numpy(float))):
            rows.append({"dataset": dataset, "scale": scale, "y": y,
                         **correlate(x, used[y].to_numpy(float), list(used["model"]), cfg),
                         "models": list(used["model"]), "n_left_out": len(left), "left_out": left})
    return pd.DataFrame(rows, columns=STAT_COLUMNS)
