"""What each task of a study does, as functions that take their inputs and return typed store records.

No function here opens the store: the job's driver is the store's one writer. It plans each task's items from
the store, hands them to a worker (this process, a child, or a Ray worker on another node), and commits the
records the worker returns, with the task's new state, in one transaction.
"""

from __future__ import annotations

import ctypes
import json
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emwatch.backends import BackendPool, worker_pool  # noqa: F401  (the pool lives with the backends)
from emwatch.config import BackendSpec, JudgeConfig, TrainConfig
from emwatch.models import resolve_model  # noqa: F401  ('demo' -> the demo model's folder; run._job uses it)
from emwatch.store import Checkpoint, Run

DEMO = "demo"


def base_path(cfg: TrainConfig) -> str:
    """Where the run's base model lives, as its trainer registers it (folder, or hosted name): asked of the
    trainer's registry entry (emwatch.train.TrainerFacts)."""
    from emwatch.train._facts import trainer_facts

    return trainer_facts(cfg.backend).base_model(cfg)


def run_records(plan: Any, base: str) -> list[Run | Checkpoint]:
    """The run's row, its base model's run and the base model's step-0 checkpoint (as the trainers write them)."""
    base_run = Run.base(plan.model_name, base)
    return [Run(model=plan.model_name, dataset=plan.dataset, seed=plan.seed, lr=plan.lr, kind="finetune",
                group=plan.group, out_dir=str(Path(plan.run_dir).resolve()), config=plan.config, run_id=plan.run_id),
            base_run, Checkpoint(run_id=base_run.key, step=0, path=base, meta={"base": True})]


def saved_checkpoints(run_id: str, run_dir: str | Path) -> list[Checkpoint]:
    """The complete checkpoints in a run folder (a folder with its meta.json: savers write it last) as records."""
    out = []
    for meta_file in sorted(Path(run_dir).glob("step_*/meta.json")):
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue  # being written
        out.append(Checkpoint(run_id=run_id, step=meta["step"], path=meta["path"], train_loss=meta.get("train_loss"),
                              heldout_loss=meta.get("heldout_loss"), total_steps=meta.get("total_steps"),
                              meta={k: v for k, v in meta.items() if k != "config"}))
    return sorted(out, key=lambda c: c.step or 0)


def plan_json(plan: Any) -> dict[str, Any]:
    """A RunPlan as plain data, for a worker (`train_in_process` rebuilds it: the run is not planned again)."""
    from dataclasses import asdict

    return {**asdict(plan), "run_dir": str(plan.run_dir)}


def simulated_base(root: Path, model: str, planted: dict[str, Any]) -> str:
    """The folder standing for a base model under `--simulate`: its meta.json holds the planted base rate the
    simulated backend draws its answers from. Returns the folder (written once, atomically)."""
    from emwatch.train._data import slug

    folder = (root / slug(Path(model).name or model)).resolve()
    target = folder / "meta.json"
    meta = {"step": 0, "model": model, "simulated": planted}
    if not target.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / "meta.json.tmp"
        tmp.write_text(json.dumps(meta, sort_keys=True), encoding="utf-8")
        tmp.replace(target)
    return str(folder)


def train_in_process(trainer: str, cfg: TrainConfig, plan: dict[str, Any],
                     options: dict[str, Any]) -> list[Checkpoint]:
    """Train one run planned by the driver through a trainer registered `in_process` (the simulated one), in
    this process (no child, no second planning of the run), and return its checkpoints."""
    from emwatch.config import TRAINERS
    from emwatch.train import RunPlan

    entry = TRAINERS.entry(trainer)
    if not entry.meta.get("in_process"):
        raise ValueError(f"trainer {trainer!r} is not registered in_process (it trains in a child process)")
    run = RunPlan(**{**plan, "run_dir": Path(plan["run_dir"])})
    entry.call(cfg, [(run, [])], store=None, progress=False, **options)
    return saved_checkpoints(run.run_id, run.run_dir)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """The training child is killed when its parent dies (kill -9 included): no orphan keeps writing the run
    folder while a rerun resumes it."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def train_run(cfg_json: dict[str, Any], run_id: str, recipe_path: str, log_path: str, run_dir: str | None = None, *,
              progress: bool = False) -> list[Checkpoint]:
    """Train one run in a child process (`python -m emwatch.train`, no store: the driver registers what it
    saves; under `accelerate launch` with the recipe's `processes` when above 1) and return its checkpoints from
    `run_dir`, the folder the driver planned (the run is not planned a
    third time here). A rerun resumes the run from its last complete checkpoint."""
    import yaml

    Path(recipe_path).parent.mkdir(parents=True, exist_ok=True)
    Path(recipe_path).write_text(yaml.safe_dump(cfg_json, sort_keys=False), encoding="utf-8")
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    processes = int(cfg_json.get("processes") or 1)  # the recipe's, as the run id hashes it
    launch = ["-m", "accelerate.commands.launch", "--num_processes", str(processes)] if processes > 1 else []
    cmd = [sys.executable, *launch, "-m", "emwatch.train", recipe_path] + ([] if progress else ["--no-progress"])
    with open(log_path, "ab") as log:
        done = subprocess.run(cmd, stdout=log, stderr=None if progress else log, preexec_fn=_die_with_parent)
    if done.returncode != 0:
        tail = Path(log_path).read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise RuntimeError(f"training exited with {done.returncode}: {' | '.join(tail)} (log: {log_path})")
    if run_dir is None:  # a caller that planned no folder: the trainer's own planning, as the child did it
        from emwatch.train import plans

        run_dir = str(next(p for p, _ in plans(TrainConfig.model_validate(cfg_json))).run_dir)
    return saved_checkpoints(run_id, run_dir)


def sample_items(items: Sequence[Any], spec: BackendSpec, pool: BackendPool | None = None) -> list[Any]:
    """A sample task's piece: the sample stage's `work` (emwatch.sample.work), in the worker."""
    from emwatch.sample import work

    return work(items, spec, pool)


def judge_items(items: Sequence[Any], cfg: JudgeConfig, spec: BackendSpec | None,
                pool: BackendPool | None = None) -> list[Any]:
    """A judge task's piece: the judge stage's `work` (emwatch.judge.work), in the worker."""
    from emwatch.judge import work

    return work(items, cfg, spec, pool)
