"""Typed store records: one class per table. Each record owns its key (a content hash of what identifies it)
and its row, so every writer — the stages, the trainer, the CSV importer, the simulator — computes the same key
for the same content. `Store.add(records)` writes them; nothing else writes rows.

    >>> run = Run(model="qwen3-8b", dataset="insecure", seed=0, lr=1e-4)
    >>> ck = Checkpoint(run_id=run.key, step=100, path="runs/x/checkpoint-000100")
    >>> store.add([run, ck])
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

from emwatch.store._keys import content_key

_PACKAGES = ("emwatch", "torch", "transformers", "peft", "trl", "accelerate", "vllm", "openai", "tinker", "duckdb", "bandit")


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape results (those installed)."""
    out = {}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def git_revision(path: str | Path | None = None) -> str | None:
    """The git revision of the emwatch checkout (or of `path`), with '+dirty' when it has changes."""
    cwd = Path(path) if path else Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5)
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=5)
        return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def text_hash(text: str | None) -> str | None:
    """A short hash of a text (judge prompt templates, imported answers)."""
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()[:16]


class Record:
    """Base of the typed records: `TABLE` and `KEY` name the table and its key column. A record is frozen, so
    its key is computed once and kept (`Store.add` and `row()` both ask for it)."""

    TABLE: ClassVar[str]
    KEY: ClassVar[str]

    @property
    def key(self) -> str:  # pragma: no cover - every record defines it
        raise NotImplementedError

    def row(self) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Run(Record):
    """A fine-tuning run (model, dataset, seed, lr), a base model (kind 'base'), an imported study (kind
    'import') or a hosted run. `extra` holds any further settings that make two runs distinct (it is part of the
    key, not of the row); `run_id` overrides the computed key (a run planned elsewhere)."""

    TABLE: ClassVar[str] = "runs"
    KEY: ClassVar[str] = "run_id"

    model: str
    kind: str = "finetune"
    dataset: str | None = None
    seed: int | None = None
    lr: float | None = None
    group: str | None = None
    out_dir: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    extra: Any = None
    run_id: str | None = None

    @cached_property
    def key(self) -> str:
        return self.run_id or content_key("run", self.kind, self.model, self.dataset, self.seed, self.lr, self.extra)

    def row(self) -> dict[str, Any]:
        return {"run_id": self.key, "kind": self.kind, "model": self.model, "dataset": self.dataset,
                "seed": self.seed, "lr": self.lr, "group_name": self.group if self.group is not None else self.dataset,
                "out_dir": self.out_dir, "config": dict(self.config), "packages": package_versions(),
                "git_rev": git_revision()}

    @classmethod
    def base(cls, model: str, path: str | None = None) -> Run:
        """The base model as a run of kind 'base' (its one checkpoint is step 0)."""
        return cls(model=model, kind="base", group="base", config={"model": model, "path": path})

    @classmethod
    def imported(cls, model: str, *, dataset: str | None = None, seed: int | None = None, group: str | None = None,
                 source: str | None = None, params_b: float | None = None) -> Run:
        """The answers of one (model, group, seed, dataset) read from an earlier study's file. `params_b` (the
        model's size in billions of parameters) goes into the config, where the size analysis reads it."""
        return cls(model=model, kind="import", dataset=dataset, seed=seed, group=group,
                   config=_import_config(source, params_b), extra={"group": group})

    @classmethod
    def imported_base(cls, model: str, *, seed: int | None = None, source: str | None = None,
                      params_b: float | None = None) -> Run:
        """The base model's answers read from an earlier study's file: a run of kind 'base' (its checkpoint is
        step 0), kept apart from a base run emwatch samples itself (`extra`), never sampled by emwatch."""
        return cls(model=model, kind="base", seed=seed, group="base", config=_import_config(source, params_b),
                   extra={"imported": True})


def _import_config(source: str | None, params_b: float | None) -> dict[str, Any]:
    return {**({"source": source} if source else {}), **({"params_b": params_b} if params_b is not None else {})}


@dataclass(frozen=True)
class Checkpoint(Record):
    """A model state that can be sampled: step 0 of a base run is the base model itself."""

    TABLE: ClassVar[str] = "checkpoints"
    KEY: ClassVar[str] = "checkpoint_id"

    run_id: str
    step: int | None
    path: str | None = None
    train_loss: float | None = None
    heldout_loss: float | None = None
    total_steps: int | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        return content_key("checkpoint", self.run_id, self.step)

    def row(self) -> dict[str, Any]:
        return {"checkpoint_id": self.key, "run_id": self.run_id, "step": self.step, "path": self.path,
                "train_loss": self.train_loss, "heldout_loss": self.heldout_loss, "total_steps": self.total_steps,
                "meta": dict(self.meta)}


@dataclass(frozen=True)
class Question(Record):
    """One concrete prompt: a benchmark question in a format variant, maybe adversarially wrapped. `messages`
    is exactly what the model receives; `judge_metrics` maps metric name -> its template (None = built-in)."""

    TABLE: ClassVar[str] = "questions"
    KEY: ClassVar[str] = "question_key"

    bank: str
    question_id: str
    messages: Sequence[Mapping[str, str]]
    category: str | None = None
    variant: str | None = "plain"
    wrapper: str | None = None
    paraphrase_index: int | None = 0
    judge_metrics: Mapping[str, str | None] = field(default_factory=dict)
    reference: str | None = None
    judge_kinds: Mapping[str, str] = field(default_factory=dict)   # metric -> "verdict" (others: 0-100 scores)

    @cached_property
    def key(self) -> str:
        return content_key("question", self.bank, self.question_id, self.variant, self.wrapper,
                           self.paraphrase_index, [dict(m) for m in self.messages])

    def row(self) -> dict[str, Any]:
        return {"question_key": self.key, "bank": self.bank, "question_id": self.question_id,
                "category": self.category, "variant": self.variant, "wrapper": self.wrapper,
                "paraphrase_index": self.paraphrase_index, "messages": [dict(m) for m in self.messages],
                "judge_metrics": dict(self.judge_metrics), "reference": self.reference,
                "judge_kinds": dict(self.judge_kinds)}


@dataclass(frozen=True)
class Sample(Record):
    """One answer of one checkpoint to one question. The key covers everything that changes the answer:
    checkpoint, question, sample index and sampling parameters (an imported answer's `sampling` names its
    source and the answer's hash, so two files with different answers never collide)."""

    TABLE: ClassVar[str] = "samples"
    KEY: ClassVar[str] = "sample_id"

    checkpoint_id: str
    question_key: str
    sample_index: int
    sampling: Mapping[str, Any]
    response: str | None = None
    backend: str | None = None
    prompt: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    reasoning: str | None = None  # a reasoning model's thoughts; `response` is then the final answer only

    @cached_property
    def key(self) -> str:
        return sample_key(self.checkpoint_id, self.question_key, self.sample_index, self.sampling)

    def row(self) -> dict[str, Any]:
        return {"sample_id": self.key, "checkpoint_id": self.checkpoint_id, "question_key": self.question_key,
                "sample_index": self.sample_index, "sampling": dict(self.sampling), "backend": self.backend,
                "prompt": self.prompt, "response": self.response, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "finish_reason": self.finish_reason,
                "reasoning": self.reasoning}

    @staticmethod
    def imported_sampling(response: str | None, source: str = "import") -> dict[str, Any]:
        return {"source": source, "response": text_hash(response or "")}


def sample_key(checkpoint_id: str, question_key: str, sample_index: int, sampling: Mapping[str, Any]) -> str:
    """The key of a sample, without building the record (the sample stage plans many)."""
    return content_key("sample", checkpoint_id, question_key, sample_index, dict(sampling))


@dataclass(frozen=True)
class Judgment(Record):
    """One metric of one answer by one judge. `score` is None when the judge could not give one, and then
    `reason` says why (never 0 for missing). `prompt_hash` identifies the judge template (None when unknown,
    as for imported scores)."""

    TABLE: ClassVar[str] = "judgments"
    KEY: ClassVar[str] = "judgment_id"

    sample_id: str
    judge_model: str
    metric: str
    prompt_hash: str | None = None
    score: float | None = None
    label: str | None = None
    reason: str | None = None
    raw: Any = None

    def __post_init__(self) -> None:
        if self.score is None and not self.reason and self.label is None:
            raise ValueError(f"judgment {self.metric!r} of sample {self.sample_id}: a missing score needs a reason")

    @cached_property
    def key(self) -> str:
        return judgment_key(self.sample_id, self.judge_model, self.metric, self.prompt_hash)

    def row(self) -> dict[str, Any]:
        return {"judgment_id": self.key, "sample_id": self.sample_id, "judge_model": self.judge_model,
                "metric": self.metric, "prompt_hash": self.prompt_hash, "score": self.score, "label": self.label,
                "reason": self.reason, "raw": self.raw}


def judgment_key(sample_id: str, judge_model: str, metric: str, prompt_hash: str | None) -> str:
    return content_key("judgment", sample_id, judge_model, metric, prompt_hash)


# the monitor name under which sample.adaptive stores each checkpoint's stop (answers used, why it stopped):
# written by run/_adaptive.py, read by `emwatch status` and the report's adaptive section
ADAPTIVE_MONITOR = "adaptive"
# its two signals per checkpoint: the plan, stored as its rounds begin (so status shows a checkpoint still in its
# rounds), and the stop, stored when the rule decides (answers used, why it stopped)
ADAPTIVE_PLANNED, ADAPTIVE_STOP = "answers_planned", "answers_used"


@dataclass(frozen=True)
class MonitorEvent(Record):
    """One look of an online EM monitor at a run: a signal's value at a step and the decision taken
    ('continue', 'flag', 'stop', ...)."""

    TABLE: ClassVar[str] = "monitor_events"
    KEY: ClassVar[str] = "event_id"

    run_id: str
    step: int
    monitor: str
    signal: str
    value: float | None = None
    decision: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        return content_key("monitor_event", self.run_id, self.step, self.monitor, self.signal)

    def row(self) -> dict[str, Any]:
        return {"event_id": self.key, "run_id": self.run_id, "step": self.step, "monitor": self.monitor,
                "signal": self.signal, "value": self.value, "decision": self.decision, "detail": dict(self.detail)}


@dataclass(frozen=True)
class Task(Record):
    """One task of a study's job graph (train a run, sample a checkpoint, judge, analyse) and its state."""

    TABLE: ClassVar[str] = "tasks"
    KEY: ClassVar[str] = "task_id"

    study: str
    kind: str
    target: Mapping[str, Any]
    status: str = "pending"
    attempts: int = 0
    error: str | None = None

    @cached_property
    def key(self) -> str:
        return content_key("task", self.study, self.kind, dict(self.target))

    def row(self) -> dict[str, Any]:
        return {"task_id": self.key, "study": self.study, "kind": self.kind, "target": dict(self.target),
                "status": self.status, "attempts": self.attempts, "error": self.error}


RECORD_TYPES: tuple[type[Record], ...] = (Run, Checkpoint, Question, Sample, Judgment, MonitorEvent, Task)
TABLE_ORDER = [r.TABLE for r in RECORD_TYPES]  # parents before children


def run_key(model: str, dataset: str | None, seed: int | None, lr: float | None, *, kind: str = "finetune",
            extra: Any = None) -> str:
    """The run id: a hash of what makes a run distinct (model, dataset, seed, lr, and `extra` settings)."""
    return Run(model=model, kind=kind, dataset=dataset, seed=seed, lr=lr, extra=extra).key


def checkpoint_key(run_id: str, step: int | None) -> str:
    return Checkpoint(run_id=run_id, step=step).key


def register_run(store: Any, *, model: str, dataset: str | None, seed: int | None, lr: float | None,
                 kind: str = "finetune", group: str | None = None, out_dir: str | None = None,
                 config: dict | None = None, extra: Any = None, run_id: str | None = None) -> str:
    """Add a run (no-op when it exists) and return its id."""
    run = Run(model=model, kind=kind, dataset=dataset, seed=seed, lr=lr, group=group, out_dir=out_dir,
              config=config or {}, extra=extra, run_id=run_id)
    store.add([run])
    return run.key


def register_checkpoint(store: Any, run_id: str, step: int | None, *, path: str | None = None,
                        train_loss: float | None = None, heldout_loss: float | None = None,
                        total_steps: int | None = None, meta: dict | None = None) -> str:
    """Add a checkpoint (no-op when it exists) and return its id."""
    ck = Checkpoint(run_id=run_id, step=step, path=path, train_loss=train_loss, heldout_loss=heldout_loss,
                    total_steps=total_steps, meta=meta or {})
    store.add([ck])
    return ck.key


def register_base_model(store: Any, model: str, path: str | None = None) -> str:
    """The base model as a run of kind 'base' with one checkpoint at step 0; returns the checkpoint id."""
    run = Run.base(model, path)
    ck = Checkpoint(run_id=run.key, step=0, path=path, meta={"base": True})
    store.add([run, ck])
    return ck.key
