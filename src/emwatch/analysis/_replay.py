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
- per configuration (model, dataset, group, lr): consistent EM as `_compare.consistency_verdict` decides it
  (yes / no / insufficient data) from its seeds' final checkpoints, on the full and on the replayed answers.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field

from emwatch.analysis._adaptive import STOPS, base_interval, rate_cs, round_order, run_rule
from emwatch.analysis._compare import base_verdict, consistency_verdict
from emwatch.analysis._dynamics import onset_step, primary
from emwatch.analysis._rates import scored_mask
from emwatch.config import (AdaptiveConfig, AnalyzeConfig, Coherence, ConfigError, Strict, em_label, needs_coherence,
                            read_yaml, validate)

CONFIG_KEYS = ["model", "dataset", "group", "lr"]


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
    out["full_n"] = scored_mask(prim).astype(int)     # a stored NOT_ASKED coherence counts (judged if_unaligned)
    out["full_k"] = (out["full_n"].astype(bool) & em_label(al, co, cfg)).astype(int)
    out["calls_full"] = 2
    if coherence == "always":
        out["n"], out["k"], out["calls"] = out["full_n"], out["full_k"], 2
    else:
        low = needs_coherence(al, coherence, cfg)
        out["n"] = (al.notna() & (~low | co.notna())).astype(int)
        out["k"] = out["full_k"]
        out["calls"] = 1 + low.astype(int)
    return out


def replay(answers: pd.DataFrame, rcfg: ReplayConfig = ReplayConfig()) -> dict[str, Any]:
    """Replay the rule on every fine-tuned checkpoint of `answers` (from `load_answers`, one judge); returns
    calls_full, calls_adaptive, saving, decisions, changed, stops, coverage and a per-checkpoint table."""
    acfg, cfg = rcfg.adaptive, rcfg.analyze
    keep = ["run_id", "run_kind", "model", "dataset", "group", "lr", "seed", "step", "checkpoint_id", "category",
            "question_id", "sample_id", "aligned", "coherent", "coherent_label"]
    prim = primary(answers)
    prim = prim[[c for c in keep if c in prim]]
    if "sample_id" in prim:   # the rule's order is a function of the answers, not of the order the store returns them
        prim = prim.sort_values(["checkpoint_id", "sample_id"], kind="stable", ignore_index=True)
    if prim.empty:
        raise ConfigError("adaptive replay: the store holds no judged benchmark answers (plain format, no wrapper)")
    lab = _labels(prim, cfg, rcfg.coherence)
    prim = pd.concat([prim, lab], axis=1)
    is_base = _is_base(prim)
    base = prim[is_base].groupby("model")[["full_k", "full_n"]].sum()
    base_calls = int(prim.loc[is_base, "calls"].sum())   # the base is judged in full (in the chosen coherence mode)
    base_calls_full = int(prim.loc[is_base, "calls_full"].sum())
    tuned = prim[~is_base]
    rows = _checkpoints(tuned, acfg, cfg, base)
    cks = pd.DataFrame(rows)
    if cks.empty:
        raise ConfigError("adaptive replay: the store holds no fine-tuned checkpoint with judged answers")
    cks = cks.sort_values(["model", "dataset", "group", "lr", "seed", "run_id", "step"], na_position="last")
    decisions, changed, left_out = _decisions(cks, cfg)
    calls_full = int(cks["calls_full"].sum()) + base_calls_full
    calls_adaptive = int(cks["calls_used"].sum()) + base_calls
    total = sum(decisions.values())
    covers = cks["covers_full_rate"].dropna()
    return _plain({
        "settings": {"adaptive": acfg.model_dump(mode="json"), "coherence": rcfg.coherence,
                     "confidence": cfg.confidence},
        "calls_full": calls_full, "calls_adaptive": calls_adaptive,
        "saving": round(calls_full / calls_adaptive, 3) if calls_adaptive else None,
        "answers_full": int(cks["planned"].sum()) + int(is_base.sum()),
        "answers_adaptive": int(cks["used"].sum()) + int(is_base.sum()),
        "base_calls": base_calls, "checkpoints": len(cks),
        "decisions": {**decisions, "total": total}, "left_out": left_out,
        "changed": changed, "n_changed": len(changed),
        "changed_share": round(len(changed) / total, 4) if total else None,
        "stops": {s: int((cks["stop"] == s).sum()) for s in STOPS},
        "coverage": {"covered": int(covers.sum()), "n": len(covers),
                     "share": round(float(covers.mean()), 4) if len(covers) else None},
        "per_checkpoint": cks.drop(columns=["calls_full"]).to_dict("records"),
    })


def _plain(x: Any) -> Any:
    """JSON-ready: numpy scalars as Python numbers, NaN (an undefined rate, an imported run's lr) as None."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def _is_base(prim: pd.DataFrame) -> pd.Series:
    """Base models' answers: runs of kind 'base', and imported runs in the group 'base' (an earlier study's file)."""
    kind = prim["run_kind"] if "run_kind" in prim else pd.Series(None, index=prim.index)
    group = prim["group"] if "group" in prim else pd.Series(None, index=prim.index)
    return kind.eq("base") | (kind.eq("import") & group.eq("base"))


def _checkpoints(tuned: pd.DataFrame, acfg: AdaptiveConfig, cfg: AnalyzeConfig, base: pd.DataFrame) -> list[dict]:
    """One row per fine-tuned checkpoint: its answers in the rule's order, the rule's stop, the counts used and
    the full data's, both verdicts. The sequences of every checkpoint and round are computed in one call."""
    codes, names = pd.factorize(tuned["checkpoint_id"])
    by_ck = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_ck], np.arange(len(names) + 1))
    col = {c: tuned[c].to_numpy()[by_ck] for c in ("k", "n", "calls", "calls_full", "full_k", "full_n")}
    cats = tuned["category"].fillna("").astype(str).to_numpy()[by_ck]
    qids = tuned["question_id"].fillna("").astype(str).to_numpy()[by_ck]
    meta = tuned.iloc[by_ck[bounds[:-1]]] if len(names) else tuned.iloc[:0]
    paths = []
    for i, ck in enumerate(names):
        sl = slice(bounds[i], bounds[i + 1])
        order, rnd = round_order(cats[sl], qids[sl], acfg.round_size, np.random.default_rng([acfg.seed, _stable(ck)]))
        last = np.r_[np.nonzero(np.diff(rnd))[0], len(rnd) - 1]      # index of each round's last answer
        paths.append((order, last, np.cumsum(col["k"][sl][order])[last], np.cumsum(col["n"][sl][order])[last]))
    half = 1 - (1 - acfg.confidence) / 2
    k_all = np.concatenate([p[2] for p in paths]) if paths else np.zeros(0)
    n_all = np.concatenate([p[3] for p in paths]) if paths else np.zeros(0)
    cs = (*rate_cs(k_all, n_all, acfg.confidence, acfg.prior), *rate_cs(k_all, n_all, half, acfg.prior))
    start = np.r_[0, np.cumsum([len(p[2]) for p in paths])]
    rows = []
    for i, (ck, (order, last, kr, nr)) in enumerate(zip(names, paths)):
        m = meta.iloc[i]
        sl = slice(bounds[i], bounds[i + 1])
        k0, n0 = (int(base.loc[m["model"], "full_k"]), int(base.loc[m["model"], "full_n"])) if m["model"] in base.index else (0, 0)
        seq = run_rule(kr, nr, acfg, base_interval(k0, n0, cfg.confidence),
                       cs=tuple(c[start[i]:start[i + 1]] for c in cs))
        used = int(last[seq.stop_round]) + 1
        ku, nu = seq.used
        fk, fn = int(col["full_k"][sl].sum()), int(col["full_n"][sl].sum())
        lo, hi = seq.interval
        full_rate = fk / fn if fn else math.nan
        rows.append({
            **{c: m.get(c) for c in ("run_id", "model", "dataset", "group", "lr", "seed", "step")},
            "checkpoint_id": ck, "planned": sl.stop - sl.start, "used": used, "rounds": seq.stop_round + 1,
            "stop": seq.stop, "k": ku, "n": nu, "em_rate": ku / nu if nu else math.nan, "ci_low": lo, "ci_high": hi,
            "full_k": fk, "full_n": fn, "full_rate": full_rate,
            "covers_full_rate": bool(lo <= full_rate <= hi) if fn else None, "base_k": k0, "base_n": n0,
            "full_verdict": base_verdict(fk, fn, k0, n0, cfg.confidence),
            "adaptive_verdict": base_verdict(ku, nu, k0, n0, cfg.confidence),
            "calls_full": int(col["calls_full"][sl].sum()), "calls_used": int(col["calls"][sl][order][:used].sum()),
        })
    return rows


def _decisions(cks: pd.DataFrame, cfg: AnalyzeConfig) -> tuple[dict[str, int], list[dict], dict]:
    """Counts of the decisions compared, the ones the rule changed (each with its full and adaptive value), and the
    decisions left out with why (a run whose checkpoints carry no step number, e.g. an imported final-model file,
    has no onset step: it is not counted as a run decision)."""
    changed: list[dict] = []
    has_base = cks["full_verdict"] != "no base"
    cks = cks.assign(full_above=cks["full_verdict"] == "above", adaptive_above=cks["adaptive_verdict"] == "above")
    for r in cks[has_base & (cks["full_above"] != cks["adaptive_above"])].itertuples():
        changed.append({"kind": "checkpoint above base", "run_id": r.run_id, "step": r.step, "full": r.full_verdict,
                        "adaptive": r.adaptive_verdict, "full_rate": r.full_rate, "adaptive_rate": r.em_rate})
    n_runs = no_step = 0
    for run_id, g in cks[has_base].groupby("run_id", sort=False):
        if g["step"].isna().any():   # an imported file without a step column: no onset step to decide
            no_step += 1
            continue
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
        full = consistency_verdict(g["full_verdict"], need)
        adapt = consistency_verdict(g["adaptive_verdict"], need)
        if full != adapt:
            changed.append({"kind": "configuration consistent EM", **dict(zip(CONFIG_KEYS, key)), "full": full,
                            "adaptive": adapt})
    left_out = {"run onset step": {"runs": no_step, "why": "a checkpoint without a step number"}} if no_step else {}
    return {"checkpoint above base": int(has_base.sum()), "run onset step": n_runs,
            "configuration consistent EM": n_configs}, changed, left_out


def _num(x: float) -> float | None:
    return None if math.isnan(x) else x
