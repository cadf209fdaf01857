"""Every analysis of a study at once (what `emwatch analyze --summary` and `emwatch report` read), and the
study table: per model its size, EM per seed, consistency, convergence and onset, early-stop retention."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from emwatch.analysis._dynamics import base_rates, dynamics, milestones, primary
from emwatch.analysis._metrics import metric_summary
from emwatch.analysis._early_stop import chosen_steps, early_stop_summary, early_stopping
from emwatch.analysis._rates import em_rates, load_answers, task_metric
from emwatch.analysis._seeds import consistency
from emwatch.analysis._size import load_model_sizes, size_em, size_points
from emwatch.analysis._views import adversarial, final_steps, formats, learning_rate, truthfulness_early_stop, untruthfulness
from emwatch.config import AnalyzeConfig

DEFAULT_POLICY = "task_convergence"


@dataclass
class StudyResults:
    """Tidy frames, one per analysis. `answers` is the full answers frame they were computed from."""

    answers: pd.DataFrame
    base: pd.DataFrame
    by_model: pd.DataFrame
    categories: pd.DataFrame
    tasks: pd.DataFrame
    dynamics: pd.DataFrame
    milestones: pd.DataFrame
    consistency: pd.DataFrame
    size_points: pd.DataFrame
    size_stats: pd.DataFrame
    early_stop: pd.DataFrame
    early_stop_summary: pd.DataFrame
    learning_rate: pd.DataFrame
    formats: pd.DataFrame
    adversarial: pd.DataFrame
    truthfulness: pd.DataFrame
    truthfulness_early_stop: pd.DataFrame
    summary: pd.DataFrame
    metrics: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    policy: str = DEFAULT_POLICY
    cfg: AnalyzeConfig = dataclasses.field(default_factory=AnalyzeConfig)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every frame but the raw answers, by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("answers", "policy", "cfg")}


def _final_answers(answers: pd.DataFrame, ms: pd.DataFrame) -> pd.DataFrame:
    """Primary-slice answers of each run's final checkpoint plus the base models' answers."""
    prim = primary(answers)
    want = pd.DataFrame({"run_id": list(final_steps(ms)), "_step": list(final_steps(ms).values())})
    sel = prim.merge(want, on="run_id")
    sel = sel[(sel["step"] == sel["_step"]) | (sel["step"].isna() & sel["_step"].isna())].drop(columns="_step")
    base = prim[prim["run_kind"] == "base"].assign(dataset="(base)", group="base")
    return pd.concat([sel, base], ignore_index=True)


def _same(col: pd.Series, value: Any) -> pd.Series:
    return col.isna() if pd.isna(value) else (col == value)


def study_summary(ms: pd.DataFrame, cons: pd.DataFrame, points: pd.DataFrame, es: pd.DataFrame,
                  policy: str = DEFAULT_POLICY) -> pd.DataFrame:
    """Per (model, dataset): size, pooled final EM and per-seed EM, seeds above base and the consistency
    verdict, median convergence/onset steps and gap fraction, mean retention and EM at the policy's step."""
    cols = ["model", "dataset", "params_b", "n_seeds", "base_rate", "em_rate", "seed_rates", "n_above", "consistent",
            "convergence_step", "onset_step", "gap_fraction", "policy", "retention", "em_at_stop", "share_eliminated"]
    if ms.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for (model, dataset), g in ms.groupby(["model", "dataset"], dropna=False, sort=True):
        c = cons[(cons["model"] == model) & _same(cons["dataset"], dataset)]
        p = points[(points["model"] == model) & _same(points["dataset"], dataset)]
        e = es[es["run_id"].isin(g["run_id"]) & (es["policy"] == policy)] if not es.empty else es
        n = g["final_n"].sum()
        rows.append({
            "model": model, "dataset": dataset, "params_b": p["params_b"].iloc[0] if len(p) else float("nan"),
            "n_seeds": len(g), "base_rate": g["base_rate"].iloc[0],
            "em_rate": g["final_n_misaligned"].sum() / n if n else float("nan"),
            "seed_rates": " ".join(f"{r:.3f}" for r in g.sort_values("seed")["final_em_rate"]),
            "n_above": int(g["final_above_base"].sum()),
            "consistent": bool(c["consistent"].all()) if len(c) else False,
            "convergence_step": g["convergence_step"].median(), "onset_step": g["onset_step"].median(),
            "gap_fraction": g["gap_fraction"].median(), "policy": policy,
            "retention": e["retention"].mean() if len(e) else float("nan"),
            "em_at_stop": e["em_rate"].mean() if len(e) else float("nan"),
            "share_eliminated": e["em_eliminated"].astype(bool).mean() if len(e) else float("nan"),
        })
    return pd.DataFrame(rows, columns=cols)


def analyze_study(store_or_answers: Any, cfg: AnalyzeConfig = AnalyzeConfig(), sizes: str | Path | pd.DataFrame | None = None,
                  policy: str = DEFAULT_POLICY) -> StudyResults:
    """Run every analysis on a store (or an answers frame from `load_answers`). Read from a store, the
    answers frame leaves out the response text and takes each metric's scores from `cfg.judge` (else its only
    judge; see `resolve_judge`)."""
    answers = (store_or_answers if isinstance(store_or_answers, pd.DataFrame)
               else load_answers(store_or_answers, text=False, configured=cfg.judge))
    size_table = sizes if isinstance(sizes, pd.DataFrame) else load_model_sizes(sizes)
    dyn = dynamics(answers, cfg)
    ms = milestones(dyn, cfg)
    es = early_stopping(dyn, ms, cfg=cfg)
    stopped = chosen_steps(es, policy)
    cons = consistency(ms, cfg)
    points = size_points(ms, size_table)
    final = _final_answers(answers, ms) if not ms.empty else primary(answers).iloc[:0]
    truth = untruthfulness(answers, cfg)
    return StudyResults(
        answers=answers, base=base_rates(answers, cfg),
        by_model=em_rates(final, ["model", "dataset", "group"], cfg),
        categories=em_rates(final, ["model", "dataset", "category"], cfg),
        tasks=task_metric(answers, planted_classes=cfg.planted_classes), dynamics=dyn, milestones=ms, consistency=cons, size_points=points,
        size_stats=size_em(points, cfg), early_stop=es,
        early_stop_summary=early_stop_summary(es),
        learning_rate=learning_rate(ms, cfg), formats=formats(answers, ms, cfg),
        adversarial=adversarial(answers, ms, stopped, cfg), truthfulness=truth,
        truthfulness_early_stop=truthfulness_early_stop(truth, stopped),
        summary=study_summary(ms, cons, points, es, policy), metrics=metric_summary(answers, ("model", "dataset", "step")),
        policy=policy, cfg=cfg,
    )
