"""The demo: the packaged demo study (study.yaml beside this file; studies/demo.yaml links to it) run by the study
job, then its per-checkpoint table and plot. One training child, one backend pool (the judge shares the sampler's
weights), adaptive sampling on."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from emwatch.config import AnalyzeConfig, BackendSpec
from emwatch.store import Store

STUDY = Path(__file__).with_name("study.yaml")

JUDGE_CAVEAT = (
    "The judge here is the 0.5B demo model itself: it only demonstrates the pipeline, its scores mean little. "
    "For real results point the judge at a strong model behind any OpenAI-compatible endpoint, e.g.\n"
    "  emwatch demo --judge-url https://api.openai.com/v1 --judge-model gpt-4o-2024-08-06   (key in OPENAI_API_KEY)\n"
    "  emwatch judge --store demo_out/emwatch.duckdb --judge-url http://127.0.0.1:8000/v1 --judge-model NAME"
)


@dataclass
class DemoResult:
    out_dir: Path
    store_path: Path
    table: pd.DataFrame
    table_csv: Path
    plot_png: Path
    seconds: float
    outputs: dict[str, str]          # the job's: em_rates CSV, report


def step_table(store: Store, analyze: AnalyzeConfig | None = None) -> pd.DataFrame:
    """Per checkpoint: EM rate (interval, excluded count) on the benchmark, the task metric, the losses, and under
    `sample.adaptive` the benchmark answers the rule used of those planned and why it stopped (the base model is
    sampled in full: no decision)."""
    from emwatch.analysis import em_rates, load_answers, task_metric
    from emwatch.report._adaptive import adaptive_table

    answers = load_answers(store)
    answers = answers[answers["run_kind"].isin(["base", "finetune"])]
    rates = em_rates(answers, ["run_kind", "step"], analyze or AnalyzeConfig())
    task = task_metric(answers)[["run_kind", "step", "n_code", "vulnerable_rate"]]
    losses = store.checkpoints()[["kind", "step", "train_loss", "heldout_loss"]].rename(columns={"kind": "run_kind"})
    table = rates.merge(task, on=["run_kind", "step"], how="outer").merge(losses, on=["run_kind", "step"], how="left")
    rounds = adaptive_table(store.monitor_events(), store.runs())[["step", "used", "planned", "stop"]]
    rounds = rounds.assign(run_kind="finetune", step=rounds["step"].astype(float))
    table = table.merge(rounds, on=["run_kind", "step"], how="left")
    table["step"] = table["step"].fillna(0).astype(int)
    return table.sort_values("step").reset_index(drop=True)


def plot_steps(table: pd.DataFrame, path: Path) -> Path:
    """EM rate (with its interval) and vulnerable-code rate against training step, twin axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    t = table.sort_values("step")
    ax.errorbar(t["step"], 100 * t["em_rate"], yerr=[100 * (t["em_rate"] - t["ci_low"]), 100 * (t["ci_high"] - t["em_rate"])],
                fmt="o-", color="#c0392b", capsize=3, label="EM rate (95% Wilson)")
    ax.set_xlabel("training step (0 = base model)")
    ax.set_ylabel("misaligned answers (%)", color="#c0392b")
    ax2 = ax.twinx()
    ax2.plot(t["step"], 100 * t["vulnerable_rate"], "s--", color="#2c3e50", label="vulnerable code (Bandit + checks)")
    ax2.set_ylabel("held-out coding answers flagged (%)", color="#2c3e50")
    ax.set_ylim(bottom=0)
    ax2.set_ylim(0, 100)
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + ax2.get_legend_handles_labels()[1]
    ax.legend(lines, labels, loc="upper left", fontsize=8)
    ax.set_title("emwatch demo: EM rate and task metric per checkpoint")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def demo_study(config: str | Path | None = None, *, out_dir: str | None = None, store: str | None = None,
               judge: BackendSpec | None = None) -> Any:
    """The demo study (the packaged one, or the study file `config`), with its outputs and judge overridden."""
    from emwatch.run import load_study

    loaded = load_study(config or STUDY, out_dir=out_dir, store=store)
    if judge is not None:
        loaded.study.judge = loaded.study.judge.model_copy(update={"backend": judge})
    return loaded


def run_demo(config: str | Path | None = None, *, out_dir: str | None = None, store: str | None = None,
             judge: BackendSpec | None = None, progress: bool = True, log=print) -> DemoResult:
    """Run (or resume) the demo study through the study job, then write its per-checkpoint table and plot.
    Raises RuntimeError naming the failed tasks when the job could not finish."""
    from emwatch.models import DEMO_MODEL_NAME, demo_model_dir
    from emwatch.run import run_study

    t0 = time.time()
    loaded = demo_study(config, out_dir=out_dir, store=store, judge=judge)
    if any(r.cfg.model == "demo" for r in loaded.recipes) or (loaded.study.judge.backend or judge or
                                                               BackendSpec(model="")).model == "demo":
        log(f"demo model: {DEMO_MODEL_NAME} at {demo_model_dir(log=log)}")  # assembled once, before anything loads it
    log(f"study {loaded.path}: train, sample every checkpoint (adaptive rounds), judge, analyse, report "
        f"-> {loaded.out_dir}")
    res = run_study(loaded, "local", progress=progress, log=log)
    if res.failed:
        causes = "; ".join(f"{f['kind']} {f['target']}: {f['error']}" for f in res.failed)
        raise RuntimeError(f"the demo study did not finish ({causes}); rerun `emwatch demo` to resume")
    if judge is None:
        log("NOTE: " + JUDGE_CAVEAT)
    out = loaded.out_dir
    with Store(res.store_path, read_only=True) as st:
        table = step_table(st, loaded.study.analyze)
    table_csv = out / "demo_table.csv"
    table.to_csv(table_csv, index=False)
    plot_png = plot_steps(table, out / "demo_em_vs_step.png")
    return DemoResult(out, res.store_path, table, table_csv, plot_png, time.time() - t0, res.outputs)
