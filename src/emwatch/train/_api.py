"""`train(cfg)`: every run of a TrainConfig, through the trainer `cfg.backend` names (this machine, Tinker,
the OpenAI API, or any trainer added with `register_trainer`)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from emwatch.config._plugins import TRAINERS
from emwatch.config._train import TrainConfig
from emwatch.data import data_hash
from emwatch.train._data import load_records
from emwatch.train._facts import trainer_facts
from emwatch.train._runs import RunPlan, RunResult, plan_run

Runs = Iterable[tuple[RunPlan, list[dict]]]


class Trainer(Protocol):
    """What `register_trainer` registers: train each (plan, records) of `runs`, return each run's result.

    A trainer writes its checkpoints under `plan.run_dir` and registers the run and each checkpoint in
    `store` (when given) as it goes (`emwatch.train._runs.open_run`, `register_meta`); a rerun resumes or
    skips. `callbacks` are for in-process training loops; a trainer that cannot run them refuses them.
    """

    def __call__(self, cfg: TrainConfig, runs: Runs, *, store=None, progress: bool = True,
                 callbacks: Sequence = ()) -> list[RunResult]: ...


def train(cfg: TrainConfig, *, store=None, progress: bool = True, callbacks: Sequence = ()) -> list[RunResult]:
    """Train one run per (model, dataset, seed, lr) of `cfg`; returns each run's result, in order.

    `store` (an emwatch Store) gets a runs row per run and a checkpoints row per checkpoint as soon as it
    is saved. `callbacks` are transformers TrainerCallbacks (transformers trainer), or functions called with
    each run's RunPlan that return one (for per-run state such as an online EM monitor); they run before the
    checkpoint callback, so one that stops training early has its stopping step saved. Interrupted runs
    resume from their last complete checkpoint; finished runs are skipped.
    """
    return TRAINERS.entry(cfg.backend).call(cfg, _announced(cfg), store=store, progress=progress,
                                            callbacks=callbacks)


def _announced(cfg: TrainConfig) -> Iterator[tuple[RunPlan, list[dict]]]:
    """The runs of `cfg`; what `dtype: auto` resolves to on this machine is printed (even without progress
    output) when the trainer reaches its first run, so a config it refuses first gets its one error message
    alone. The run ids and stored configs keep `auto`: the resolved dtype goes in each checkpoint's meta.json."""
    if cfg.dtype == "auto" and trainer_facts(cfg.backend).resolves_dtype:
        from emwatch.config._machine import dtype_reason, resolve_dtype

        _stderr(dtype_reason(resolve_dtype("auto")))
    yield from plans(cfg)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def plans(cfg: TrainConfig) -> Iterator[tuple[RunPlan, list[dict]]]:
    """(plan, records) of each run of `cfg`, dataset by dataset (each dataset is read once, when reached)."""
    for dataset in cfg.datasets:
        records = _records(cfg, dataset)
        digest = data_hash(records)
        for seed in cfg.seeds:
            for lr in cfg.learning_rates:
                yield plan_run(cfg, dataset, seed, lr, digest), records


def _records(cfg: TrainConfig, dataset: str) -> list[dict]:
    records = load_records(dataset)
    return records[: cfg.limit_examples] if cfg.limit_examples else records
