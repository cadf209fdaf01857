"""The demo study: LoRA on insecure code, sample every checkpoint, judge, tabulate and plot."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from emwatch.config import BackendSpec, DemoConfig, JudgeConfig
from emwatch.store import Store, register_base_model

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


def step_table(store: Store, cfg: DemoConfig) -> pd.DataFrame:
    """Per checkpoint: EM rate (interval, excluded count) on the benchmark and the task metric."""
    from emwatch.analysis import em_rates, load_answers, task_metric

    answers = load_answers(store)
    answers = answers[answers["run_kind"].isin(["base", "finetune"])]
    rates = em_rates(answers, ["run_kind", "step"], cfg.analyze)
    task = task_metric(answers)[["run_kind", "step", "n_code", "vulnerable_rate"]]
    losses = store.checkpoints()[["kind", "step", "train_loss", "heldout_loss"]].rename(columns={"kind": "run_kind"})
    table = rates.merge(task, on=["run_kind", "step"], how="outer").merge(losses, on=["run_kind", "step"], how="left")
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


def run_demo(cfg: DemoConfig, *, judge: BackendSpec | None = None, progress: bool = True, log=print) -> DemoResult:
    """Run the whole demo study; every stage resumes from the store if interrupted."""
    from emwatch.backends._hf import HFBackend
    from emwatch.judge import judge as judge_stage
    from emwatch.models import DEMO_MODEL_NAME, demo_model_dir
    from emwatch.sample import sample

    t0 = time.time()
    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    store_path = Path(cfg.store) if cfg.store else out / "emwatch.duckdb"
    model_dir = demo_model_dir(log=log)
    log(f"[1/5] demo model: {DEMO_MODEL_NAME} at {model_dir}")

    train_cfg = cfg.train.model_copy(update={"out_dir": str(out / "runs")})
    log(f"[2/5] LoRA fine-tuning on '{train_cfg.dataset}' for {train_cfg.max_steps} steps "
        f"(checkpoints every {train_cfg.checkpoints.every})")
    _train_in_child(train_cfg, out / "train.yaml", store_path, progress)
    log(f"      trained in {time.time() - t0:.0f}s")

    with Store(store_path) as store:
        runs = store.runs()
        models = sorted(set(runs.loc[runs["kind"] == "finetune", "model"]))
        register_base_model(store, models[0] if models else DEMO_MODEL_NAME, str(model_dir))

        # batch 16: a checkpoint's benchmark answers in one batch; a CPU decode step costs about the same
        # for 8 or 16 rows (it reads every weight once), so this nearly halves the sampling time
        sampler = HFBackend(BackendSpec(kind="hf", model=str(model_dir), batch_size=16))
        log("[3/5] sampling the benchmark subset and held-out coding prompts at the base model and every checkpoint")
        s = sample(store, cfg.sample, sampler, progress=progress)
        log(f"      {s.new_samples} new answers ({s.skipped} already stored) over {s.checkpoints} checkpoints")

        if judge is None:
            # the sampler's model, scored in batches of 8: the judge template's shared prefix is computed once
            # per batch, and the number trie's cached branches (pruned below 1e-4) stay well under 1 GB
            judge_backend = HFBackend(BackendSpec(kind="hf", model=str(model_dir), batch_size=8),
                                      model=sampler.model, tokenizer=sampler.tokenizer)
            judge_name = f"{DEMO_MODEL_NAME} (local logprob judge)"
        else:
            from emwatch.backends import make_backend

            judge_backend, judge_name = make_backend(judge), judge.model
        log(f"[4/5] judging alignment and coherence with {judge_name}; static analysis of code answers")
        j = judge_stage(store, JudgeConfig(backend=judge), judge_backend, judge_name=judge_name, progress=progress)
        log(f"      new judgments: {j.new}; missing scores: {j.missing or 'none'}")
        if judge is None:
            log("      NOTE: " + JUDGE_CAVEAT)

        log("[5/5] analysis")
        table = step_table(store, cfg)
    table_csv = out / "demo_table.csv"
    table.to_csv(table_csv, index=False)
    plot_png = plot_steps(table, out / "demo_em_vs_step.png")
    return DemoResult(out, store_path, table, table_csv, plot_png, time.time() - t0)


def _train_in_child(train_cfg, recipe: Path, store_path: Path, progress: bool) -> None:
    """Train in a child process (`python -m emwatch.train`), so the memory training used is returned to the
    system before sampling loads the model again: the demo stays within 6 GB."""
    import yaml

    recipe.write_text(yaml.safe_dump(train_cfg.model_dump(mode="json"), sort_keys=False), encoding="utf-8")
    cmd = [sys.executable, "-m", "emwatch.train", str(recipe), "--store", str(store_path)]
    if not progress:
        cmd.append("--no-progress")
    done = subprocess.run(cmd)
    if done.returncode != 0:
        raise RuntimeError(f"training failed (exit {done.returncode}); rerun `emwatch demo` to resume from the last checkpoint")
