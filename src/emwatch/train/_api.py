"""`train(cfg)`: every run of a TrainConfig, on this machine, on Tinker or through the OpenAI API."""

from __future__ import annotations

from collections.abc import Sequence

from emwatch.config._train import TrainConfig
from emwatch.data import data_hash
from emwatch.train._data import load_records, prepare
from emwatch.train._runs import RunResult, plan_run, resolve_model_path


def train(cfg: TrainConfig, *, store=None, progress: bool = True, callbacks: Sequence = ()) -> list[RunResult]:
    """Train one run per (model, dataset, seed, lr) of `cfg`; returns each run's result, in order.

    `store` (an emwatch Store) gets a runs row per run and a checkpoints row per checkpoint as soon as it
    is saved. `callbacks` are transformers TrainerCallbacks (local backend), or functions called with each
    run's RunPlan that return one (for per-run state such as an online EM monitor); they run before the
    checkpoint callback, so one that stops training early has its stopping step saved. Interrupted runs
    resume from their last complete checkpoint; finished runs are skipped.
    """
    if cfg.backend == "tinker":
        from emwatch.train._tinker import train_tinker

        return [train_tinker(cfg, plan, records, store=store, progress=progress)
                for plan, records in _plans(cfg)]
    if cfg.backend == "openai":
        from emwatch.train._openai import train_openai

        return [train_openai(cfg, plan, records, store=store, progress=progress)
                for plan, records in _plans(cfg)]
    return _train_local_all(cfg, store=store, progress=progress, callbacks=callbacks)


def _plans(cfg: TrainConfig):
    for dataset in cfg.datasets:
        records = _records(cfg, dataset)
        digest = data_hash(records)
        for seed in cfg.seeds:
            for lr in cfg.learning_rates:
                yield plan_run(cfg, dataset, seed, lr, digest), records


def _records(cfg: TrainConfig, dataset: str) -> list[dict]:
    records = load_records(dataset)
    return records[: cfg.limit_examples] if cfg.limit_examples else records


def _train_local_all(cfg: TrainConfig, *, store, progress: bool, callbacks: Sequence) -> list[RunResult]:
    from transformers import AutoTokenizer

    from emwatch.train._local import train_local

    model_path = resolve_model_path(cfg.model)
    if not (model_path / "config.json").is_file():
        from emwatch.config import ConfigError

        raise ConfigError(f"model {cfg.model!r}: not a model folder (no config.json at {model_path}); give a local "
                          "folder of weights, 'demo', or a hosted backend (backend: tinker / openai)")
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    results = []
    prepared_by_dataset = {}
    for plan, records in _plans(cfg):
        if plan.dataset not in prepared_by_dataset:
            prepared_by_dataset[plan.dataset] = prepare(records, tokenizer, max_seq_len=cfg.max_seq_len,
                                                        heldout_fraction=cfg.heldout_fraction, source=plan.dataset)
        results.append(train_local(cfg, plan, prepared_by_dataset[plan.dataset], store=store, progress=progress,
                                   callbacks=callbacks, model_path=model_path))
    return results
