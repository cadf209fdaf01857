"""Per-checkpoint EM rates and the online monitor's signals, logged to the experiment trackers a run trained with.

Training itself reports through the trainer's own mechanism (`report_to: [tensorboard, wandb]` in the train
config, passed to TRL's SFTConfig). EM rates exist only after sampling and judging, so `log_em_rates` writes them
afterwards, next to the training logs:

- TensorBoard: `<run folder>/_trainer/runs/emwatch/` (a sibling of the trainer's own event folder, so
  `tensorboard --logdir <out_dir>` shows loss and EM rate side by side);
- W&B: the run whose id is emwatch's run id (the id local training gives the W&B run), resumed, with its own
  x-axis `emwatch/step` (a finished run's history cannot go back to earlier steps).

Tags: `emwatch/em_rate`, `emwatch/em_ci_low`, `emwatch/em_ci_high`, `emwatch/n_judged`, `emwatch/n_excluded`,
`emwatch/em_rate/<category>`, and `monitor/<monitor>/<signal>` for every MonitorEvent stored for the run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from emwatch.config import AnalyzeConfig
from emwatch.errors import ConfigError, MissingDependency

TRACKERS = ("tensorboard", "wandb")


def tracker_scalars(store: Any, *, runs: Sequence[str] | None = None, cfg: AnalyzeConfig = AnalyzeConfig(),
                    judge: Any = None) -> pd.DataFrame:
    """The scalars to log, as a tidy frame: run_id, step, tag, value (fine-tuning runs with a step only), from
    one judge's scores (`judge`, else `cfg.judge`, else the only one)."""
    from emwatch.analysis import em_rates, load_answers, resolve_judge

    answers = load_answers(store, text=False, judge=resolve_judge(store, judge, cfg))
    answers = answers[(answers["run_kind"] == "finetune") & answers["step"].notna()]
    if runs:
        answers = answers[answers["run_id"].isin(runs)]
    rows: list[dict[str, Any]] = []
    if not answers.empty:
        overall = em_rates(answers, by=["run_id", "step"], cfg=cfg)
        for r in overall.itertuples(index=False):
            for tag, value in (("em_rate", r.em_rate), ("em_ci_low", r.ci_low), ("em_ci_high", r.ci_high),
                               ("n_judged", r.n), ("n_excluded", r.n_excluded)):
                rows.append({"run_id": r.run_id, "step": int(r.step), "tag": f"emwatch/{tag}", "value": value})
        per_cat = em_rates(answers, by=["run_id", "step", "category"], cfg=cfg)
        for r in per_cat.itertuples(index=False):
            rows.append({"run_id": r.run_id, "step": int(r.step), "tag": f"emwatch/em_rate/{r.category}",
                         "value": r.em_rate})
    events = store.monitor_events()
    if runs:
        events = events[events["run_id"].isin(runs)]
    for e in events.itertuples(index=False):
        rows.append({"run_id": e.run_id, "step": int(e.step), "tag": f"monitor/{e.monitor}/{e.signal}",
                     "value": e.value})
    frame = pd.DataFrame(rows, columns=["run_id", "step", "tag", "value"])
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    return frame.dropna(subset=["value"]).sort_values(["run_id", "step", "tag"]).reset_index(drop=True)


def _run_folder(run: Any, log_dir: str | Path | None) -> Path:
    if log_dir is not None:
        label = re.sub(r"[^\w.-]+", "_", f"{Path(str(run.model)).name}__s{run.seed}__{run.run_id[:8]}")
        return Path(log_dir) / label
    if not run.out_dir:
        raise ConfigError(f"run {run.run_id} ({run.model}) has no run folder in the store: give --log-dir")
    return Path(run.out_dir)


def log_em_rates(store: Any, trackers: Sequence[str] = ("tensorboard",), *, runs: Sequence[str] | None = None,
                 log_dir: str | Path | None = None, project: str | None = None,
                 cfg: AnalyzeConfig = AnalyzeConfig(), judge: Any = None) -> dict[str, Path]:
    """Log every fine-tuning run's per-checkpoint EM rates (and monitor signals) to `trackers`; returns the folder
    written per run. `log_dir` puts all runs under one folder instead of their training folders; `judge` names
    the judge whose scores the rates use (see `tracker_scalars`)."""
    unknown = [t for t in trackers if t not in TRACKERS]
    if unknown:
        raise ConfigError(f"unknown tracker(s) {', '.join(unknown)}; choose from {', '.join(TRACKERS)}")
    scalars = tracker_scalars(store, runs=runs, cfg=cfg, judge=judge)
    info = store.runs().set_index("run_id", drop=False)
    written: dict[str, Path] = {}
    for run_id, frame in scalars.groupby("run_id", sort=True):
        run = info.loc[run_id]
        folder = _run_folder(run, log_dir)
        if "tensorboard" in trackers:
            _tensorboard(folder / "_trainer" / "runs" / "emwatch", frame)
        if "wandb" in trackers:
            _wandb(folder, run, frame, project)
        written[run_id] = folder
    return written


def _tensorboard(folder: Path, frame: pd.DataFrame) -> None:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as e:
        raise MissingDependency("TensorBoard logging needs tensorboard: pip install 'emwatch[tracking]'") from e
    folder.mkdir(parents=True, exist_ok=True)
    writer = SummaryWriter(log_dir=str(folder))
    try:
        for r in frame.itertuples(index=False):
            writer.add_scalar(r.tag, float(r.value), global_step=int(r.step))
    finally:
        writer.close()


def _wandb(folder: Path, run: Any, frame: pd.DataFrame, project: str | None) -> None:
    try:
        import wandb
    except ImportError as e:
        raise MissingDependency("W&B logging needs wandb: pip install 'emwatch[tracking]'") from e
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{Path(str(run.model)).name} · {run.dataset} · seed {run.seed} · lr {run.lr:g}"
    wb = wandb.init(project=project or os.environ.get("WANDB_PROJECT") or "emwatch", id=run.run_id, resume="allow",
                    dir=str(folder), name=name, reinit="finish_previous",
                    config={"model": run.model, "dataset": run.dataset, "seed": run.seed, "lr": run.lr})
    try:
        wb.define_metric("emwatch/step")
        wb.define_metric("emwatch/*", step_metric="emwatch/step")
        wb.define_metric("monitor/*", step_metric="emwatch/step")
        for step, g in frame.groupby("step", sort=True):
            wb.log({"emwatch/step": int(step), **{t: float(v) for t, v in zip(g["tag"], g["value"])}})
    finally:
        wb.finish()
