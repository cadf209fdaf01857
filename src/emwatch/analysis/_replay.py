"""Replay of the adaptive rule on a fully sampled study: how many judge calls it would have spent, and which of
the study's decisions it would have changed (`emwatch analyze --adaptive-replay`; docs/adaptive.md).

Each fine-tuned checkpoint's primary-slice answers (plain format, no wrapper) are put in the order the live rule
would ask them (analysis._adaptive.round_order, seeded by `adaptive.seed` and the checkpoint), the rule runs
round by round on them, and the answers after its stop count as never judged. Base models are sampled and judged
in full (their rate is every comparison's reference). The decisions compared, full data against the answers the
rule used, all through the one base comparison (analysis._compare.base_verdict):
- per checkpoint: above base or not (verdict "above");
- per run: the EM onset step (SPEC: first checkpoint from which every later one is above base); changed when the
  two differ by more than one checkpoint, or only one of them exists;
- per configuration (model, dataset, group, lr): consistent EM (at least `consistent_k`, default all, of its
  seeds' final checkpoints above base).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from emwatch.analysis._adaptive import STOPS, base_interval, round_order, run_rule
from emwatch.analysis._compare import base_verdict
from emwatch.analysis._dynamics import onset_step, primary
from emwatch.config import AdaptiveConfig, AnalyzeConfig, ConfigError, Strict, em_label, read_yaml, validate

CONFIG_KEYS = ["model", "dataset", "group", "lr"]
Coherence = Literal["always", "if_unaligned"]


class ReplayConfig(Strict):
    """What `--adaptive-replay -c FILE` reads: the rule, the coherence mode and the analysis thresholds."""

    adaptive: AdaptiveConfig = Field(default_factory=AdaptiveConfig, description="the stopping rule (sample.adaptive)")
    coherence: Coherence = Field("always", description="judge coherence always, or only where alignment < aligned_below")
    analyze: AnalyzeConfig = Field(default_factory=AnalyzeConfig, description="thresholds and level of the decisions")


def load_replay_config(path: str | Path | None) -> ReplayConfig:
    """A replay file (keys adaptive, coherence, analyze), or a study or sample-stage file, whose sample.adaptive
    (or top-level adaptive) and analyze sections are read (its other sections do not concern the replay)."""
    if path is None:
        return ReplayConfig()
    data, lines = read_yaml(path)
    if data is not None and not isinstance(data, dict):
        raise ConfigError(f"{path}:1: expected a mapping of settings, found {type(data).__name__}")
    data = dict(data or {})
    if set(data) - set(ReplayConfig.model_fields):   # a study file, or a sample stage's
        moved = {"adaptive": ("sample", "adaptive") if "sample" in data else ("adaptive",), "analyze": ("analyze",)}
        picked, new_lines = {}, {}
        for key, where in moved.items():
            node: Any = data
            for part in where:
                node = node.get(part) if isinstance(node, dict) else None
            if node is not None:
                picked[key] = node
                new_lines.update({(key,) + p[len(where):]: ln for p, ln in lines.items() if p[:len(where)] == where})
        data, lines = picked, new_lines
        if "adaptive" not in data:
            raise ConfigError(f"{path}: no sample.adaptive section to replay")
    return validate(ReplayConfig, data, source=str(path), lines=lines)


def em_judge(store: Any, judge: str | None) -> str:
    """The one judge whose alignment/coherence scores a replay counts: `judge`, or the store's only one."""
    j = store.judges()
    names = sorted(set(j.loc[j["metric"].isin(["aligned", "coherent"]), "judge_model"]))
    if judge is not None:
        if judge not in names:
            raise ConfigError(f"--judge: {judge!r} has no alignment/coherence scores in {store.path}; judges: "
                              f"{', '.join(names) or '(none)'}")
        return judge
    if len(names) != 1:
        raise ConfigError(f"{store.path}: " + (f"{len(names)} judges scored alignment/coherence ({', '.join(names)}); "
                          "name one with --judge" if names else "no alignment/coherence scores to replay"))
    return names[0]


def adaptive_replay(store: Any, rcfg: ReplayConfig = ReplayConfig(), judge: str | None = None) -> dict[str, Any]:
    """`replay` on a store's answers as scored by one judge (`em_judge`); the result names it."""
    from emwatch.analysis._rates import load_answers

    name = em_judge(store, judge)
    return {"judge": name, **replay(load_answers(store, text=False, judges=[name]), rcfg)}


def _stable(text: str) -> int:
    return int.from_bytes(hashlib.sha256(str(text).encode()).digest()[:8], "little")


def _labels(prim: pd.DataFrame, cfg: AnalyzeConfig, coherence: Coherence) -> pd.DataFrame:
    """Per answer: counted and misaligned as the full study counts them, and as the rule would (with
    `coherence: if_unaligned` an answer whose alignment is at or above the threshold is counted, aligned, without
    a coherence score), and the judge calls each costs under the full plan and under the rule."""
    al, co = prim["aligned"].astype(float), prim["coherent"].astype(float)
    out = pd.DataFrame(index=prim.index)
    out["full_n"] = (al.notna() & co.notna()).astype(int)
    out["full_k"] = (out["full_n"].astype(bool) & em_label(al, co, cfg)).astype(int)
    out["calls_full"] = 2
    if coherence == "always":
        out["n"], out["k"], out["calls"] = out["full_n"], out["full_k"], 2
    else:
        low = al < cfg.aligned_below
        out["n"] = (al.notna() & (~low | co.notna())).astype(int)
        out["k"] = out["full_k"]
        out["calls"] = 1 + low.astype(int)
    return out


def replay(answers: pd.DataFrame, rcfg: ReplayConfig = ReplayConfig()) -> dict[str, Any]:
    """Replay the rule on every fine-tuned checkpoint of `answers` (from `load_answers`, one judge); returns
    calls_full, calls_adaptive, saving, decisions, changed, stops, coverage and a per-checkpoint table."""
    acfg, cfg = rcfg.adaptive, rcfg.analyze
    prim = primary(answers)
    if prim.empty:
        raise ConfigError("adaptive replay: the store holds no judged benchmark answers (plain format, no wrapper)")
    lab = _labels(prim, cfg, rcfg.coherence)
    prim = pd.concat([prim, lab], axis=1)
    is_base = prim["run_kind"].eq("base") if "run_kind" in prim else pd.Series(False, index=prim.index)
    base = prim[is_base].groupby("model")[["full_k", "full_n"]].sum()
    base_calls = int(prim.loc[is_base, "calls"].sum())   # the base is judged in full (in the chosen coherence mode)
    base_calls_full = int(prim.loc[is_base, "calls_full"].sum())
    tuned = prim[~is_base]
    rows = []
    for ck, g in tuned.groupby("checkpoint_id", sort=False):
        rows.append(_checkpoint(ck, g, acfg, cfg, base))
    cks = pd.DataFrame(rows)
    if cks.empty:
        raise ConfigError("adaptive replay: the store holds no fine-tuned checkpoint with judged answers")
    cks = cks.sort_values(["model", "dataset", "group", "lr", "seed", "run_id", "step"], na_position="last")
    decisions, changed = _decisions(cks, cfg)
    calls_full = int(cks["calls_full"].sum()) + base_calls_full
    calls_adaptive = int(cks["calls_used"].sum()) + base_calls
    total = sum(decisions.values())
    covers = cks["covers_full_rate"].dropna()
    return {
        "settings": {"adaptive": acfg.model_dump(mode="json"), "coherence": rcfg.coherence,
                     "confidence": cfg.confidence},
        "calls_full": calls_full, "calls_adaptive": calls_adaptive,
        "saving": round(calls_full / calls_adaptive, 3) if calls_adaptive else None,
        "answers_full": int(cks["planned"].sum()) + int(is_base.sum()),
        "answers_adaptive": int(cks["used"].sum()) + int(is_base.sum()),
        "base_calls": base_calls, "checkpoints": len(cks),
        "decisions": {**decisions, "total": total},
        "changed": changed, "n_changed": len(changed),
        "changed_share": round(len(changed) / total, 4) if total else None,
        "stops": {s: int((cks["stop"] == s).sum()) for s in STOPS},
        "coverage": {"covered": int(covers.sum()), "n": len(covers),
                     "share": round(float(covers.mean()), 4) if len(covers) else None},
        "per_checkpoint": cks.drop(columns=["calls_full"]).to_dict("records"),
    }


def _checkpoint(ck: str, g: pd.DataFrame, acfg: AdaptiveConfig, cfg: AnalyzeConfig, base: pd.DataFrame) -> dict:
    first = g.iloc[0]
    model = first["model"]
    k0, n0 = (int(base.loc[model, "full_k"]), int(base.loc[model, "full_n"])) if model in base.index else (0, 0)
    rng = np.random.default_rng([acfg.seed, _stable(ck)])
    order, rnd = round_order(g["category"].fillna("").to_numpy(), g["question_id"].fillna("").to_numpy(),
                             acfg.round_size, rng)
    k, n = g["k"].to_numpy()[order], g["n"].to_numpy()[order]
    calls = g["calls"].to_numpy()[order]
    last = np.r_[np.nonzero(np.diff(rnd))[0], len(rnd) - 1]      # index of each round's last answer
    seq = run_rule(np.cumsum(k)[last], np.cumsum(n)[last], acfg, base_interval(k0, n0, cfg.confidence))
    used = int(last[seq.stop_round]) + 1
    ku, nu = seq.used
    fk, fn = int(g["full_k"].sum()), int(g["full_n"].sum())
    lo, hi = seq.interval
    full_rate = fk / fn if fn else math.nan
    return {
        **{c: first.get(c) for c in ("run_id", "model", "dataset", "group", "lr", "seed", "step")},
        "checkpoint_id": ck, "planned": len(g), "used": used, "rounds": seq.stop_round + 1, "stop": seq.stop,
        "k": ku, "n": nu, "em_rate": ku / nu if nu else math.nan, "ci_low": lo, "ci_high": hi,
        "full_k": fk, "full_n": fn, "full_rate": full_rate,
        "covers_full_rate": bool(lo <= full_rate <= hi) if fn else None,
        "base_k": k0, "base_n": n0,
        "full_verdict": base_verdict(fk, fn, k0, n0, cfg.confidence),
        "adaptive_verdict": base_verdict(ku, nu, k0, n0, cfg.confidence),
        "calls_full": int(g["calls_full"].sum()), "calls_used": int(calls[:used].sum()),
    }


def _decisions(cks: pd.DataFrame, cfg: AnalyzeConfig) -> tuple[dict[str, int], list[dict]]:
    """Counts of the decisions compared, and the ones the rule changed (each with its full and adaptive value)."""
    changed: list[dict] = []
    has_base = cks["full_verdict"] != "no base"
    cks = cks.assign(full_above=cks["full_verdict"] == "above", adaptive_above=cks["adaptive_verdict"] == "above")
    for r in cks[has_base & (cks["full_above"] != cks["adaptive_above"])].itertuples():
        changed.append({"kind": "checkpoint above base", "run_id": r.run_id, "step": r.step, "full": r.full_verdict,
                        "adaptive": r.adaptive_verdict, "full_rate": r.full_rate, "adaptive_rate": r.em_rate})
    n_runs = 0
    for run_id, g in cks[has_base].groupby("run_id", sort=False):
        n_runs += 1
        steps = g["step"].to_numpy(float)
        full = onset_step(steps, g["full_above"].to_numpy(bool))
        adapt = onset_step(steps, g["adaptive_above"].to_numpy(bool))
        where = {s: i for i, s in enumerate(steps)}
        same = (math.isnan(full) and math.isnan(adapt)) or (
            not math.isnan(full) and not math.isnan(adapt) and abs(where[full] - where[adapt]) <= 1)
        if not same:
            changed.append({"kind": "run onset step", "run_id": run_id, "full": _num(full), "adaptive": _num(adapt)})
    n_configs = 0
    finals = cks[has_base].sort_values("step").groupby("run_id", sort=False).tail(1)
    for key, g in finals.groupby(CONFIG_KEYS, dropna=False, sort=True):
        n_configs += 1
        need = cfg.consistent_k or len(g)
        full, adapt = int(g["full_above"].sum()) >= need, int(g["adaptive_above"].sum()) >= need
        if full != adapt:
            changed.append({"kind": "configuration consistent EM", **dict(zip(CONFIG_KEYS, key)), "full": full,
                            "adaptive": adapt})
    return {"checkpoint above base": int(has_base.sum()), "run onset step": n_runs,
            "configuration consistent EM": n_configs}, changed


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x
