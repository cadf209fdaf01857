"""What the study driver needs to know about a trainer, from its registry entry instead of `if backend == ...`.

Each trainer registered in `emwatch.config.TRAINERS` may name a `TrainerFacts` object (`facts="module:attr"`);
one that names none (a trainer added from a plugin or a test) is treated as a local trainer: it trains on the
machine that runs it, its base model is the configured folder, its steps follow from epochs and batch, and it
saves on the recipe's checkpoint schedule.

    facts = trainer_facts(cfg.backend)
    facts.hosted, facts.base_model(cfg), facts.total_steps(cfg, n_train), facts.checkpoint_steps(cfg, total)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from emwatch.config._plugins import TRAINERS
from emwatch.config._train import TrainConfig


@dataclass(frozen=True)
class TrainerFacts:
    """A trainer as the driver plans it.

    hosted: trains on a service (no GPU of ours; the dtype is the service's); `settings`: the TrainConfig field
    holding its own settings model (`tinker`, `openai`), whose `base_field` names the hosted base model and whose
    `not_identity` keys (connection, polling) are left out of the run id; `sampled_in_cluster`: its checkpoints
    are sampled on our GPUs (False: through the service's API); `service_steps`: the service decides the number
    of steps, so none is planned; `resolves_dtype`: `dtype: auto` is resolved by the trainer on the machine that
    trains (its result is recorded in each checkpoint's meta.json)."""

    hosted: bool = False
    settings: str | None = None
    base_field: str | None = None
    not_identity: frozenset[str] = frozenset()
    sampled_in_cluster: bool = True
    service_steps: bool = False
    resolves_dtype: bool = False

    def settings_of(self, cfg: TrainConfig):
        return getattr(cfg, self.settings, None) if self.settings else None

    def base_model(self, cfg: TrainConfig) -> str:
        """The run's base model as the trainer registers it: the hosted model's name, else its local folder."""
        section = self.settings_of(cfg)
        if self.hosted:
            return (getattr(section, self.base_field, None) if section is not None and self.base_field else None) \
                or cfg.model
        from emwatch.models import resolve_model

        return str(Path(resolve_model(cfg.model)).expanduser().resolve())

    def total_steps(self, cfg: TrainConfig, n_train: int) -> int | None:
        """Optimiser steps of one run (None when the service decides). Each step takes batch_size x grad_accum
        examples per process, and the processes split the data, so more processes make fewer steps."""
        if self.service_steps:
            return None
        if cfg.max_steps:
            return cfg.max_steps
        return max(1, math.ceil(cfg.epochs * n_train / (cfg.batch_size * cfg.grad_accum * cfg.processes)))

    def checkpoint_steps(self, cfg: TrainConfig, total: int | None) -> list[int]:
        from emwatch.train._schedule import checkpoint_steps

        return checkpoint_steps(cfg.checkpoints, total or 0)


@dataclass(frozen=True)
class OpenAIFacts(TrainerFacts):
    def checkpoint_steps(self, cfg: TrainConfig, total: int | None) -> list[int]:
        """The OpenAI API keeps the models of the last 3 epochs: one checkpoint per kept epoch."""
        n = cfg.openai.n_epochs if cfg.openai and cfg.openai.n_epochs != "auto" else 1
        return list(range(1, min(int(n), 3) + 1))


# connection and polling settings of the hosted trainers: they change how a run is reached, not what it learns
_HOSTED_NOT_IDENTITY = frozenset({"base_url", "api_key_env", "tokenizer", "save_state", "poll_interval_s",
                                  "poll_max_interval_s", "timeout_h", "on_paused", "hidden_size"})

LOCAL = TrainerFacts(resolves_dtype=True)
TINKER = TrainerFacts(hosted=True, settings="tinker", base_field="base_model", not_identity=_HOSTED_NOT_IDENTITY)
OPENAI = OpenAIFacts(hosted=True, settings="openai", base_field="model", not_identity=_HOSTED_NOT_IDENTITY,
                     sampled_in_cluster=False, service_steps=True)
SIMULATED = TrainerFacts()
_DEFAULT = TrainerFacts()


def trainer_facts(name: str) -> TrainerFacts:
    """The facts the trainer `name` (or an alias) registered, else a local trainer's."""
    facts = TRAINERS.entry(name).meta.get("facts")
    if facts is None:
        return _DEFAULT
    if isinstance(facts, str):
        import importlib

        module, _, attr = facts.partition(":")
        facts = getattr(importlib.import_module(module), attr)
    return facts


__all__ = ["LOCAL", "OPENAI", "SIMULATED", "TINKER", "OpenAIFacts", "TrainerFacts", "trainer_facts"]
