"""The sampling stage: plan -> execute -> commit.

- plan: every (checkpoint, prompt, sample index) of the configured benchmark slice and held-out task prompts,
  as `SampleItem`s; the store says which it lacks (a sample's key hashes checkpoint, question, sample index and
  sampling parameters, so a rerun plans the same keys).
- execute: the items of each model target go through one backend (a served model, or each base model loaded
  in process once with its LoRA checkpoints as adapters), one adapter at a time.
- commit: rows are written per chunk in one transaction, so a killed run resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from emwatch._progress import progress_bar
from emwatch.backends import Backend, Generation, GenerationRequest, Runner, make_backend
from emwatch.config import BackendSpec, ConfigError, SampleConfig
from emwatch.sample._engine import choose_engines
from emwatch.store import Sample, Store, sample_key

TASK_METRIC = {"code": "vulnerable", "medical": "harmful"}


@dataclass
class SampleSummary:
    checkpoints: int = 0
    prompts: int = 0
    new_samples: int = 0
    skipped: int = 0
    per_checkpoint: dict[str, int] = field(default_factory=dict)
    engines: list[str] = field(default_factory=list)  # "model: engine for N answers (why)", when no backend is given


@dataclass(frozen=True)
class SampleItem:
    """One answer to generate: a prompt at a checkpoint, with its sampling parameters and where it runs
    (`model`: the base model to load in process, None for a given backend; `adapter`: the LoRA checkpoint
    folder, or a served adapter's name)."""

    checkpoint_id: str
    prompt: Any                      # emwatch.bench.Prompt
    index: int
    sampling: dict[str, Any]
    model: str | None = None
    adapter: str | None = None

    @cached_property
    def key(self) -> str:
        return sample_key(self.checkpoint_id, self.prompt.key, self.index, self.sampling)

    def request(self) -> GenerationRequest:
        s = self.sampling
        return GenerationRequest(messages=tuple(self.prompt.messages), max_new_tokens=s["max_new_tokens"],
                                 temperature=s["temperature"], top_p=s["top_p"], seed=s["seed"], adapter=self.adapter,
                                 enable_thinking=s.get("enable_thinking"), reasoning_effort=s.get("reasoning_effort"),
                                 template_date=s.get("template_date"))

    def record(self, gen: Generation, backend_name: str) -> Sample:
        return Sample(checkpoint_id=self.checkpoint_id, question_key=self.prompt.key, sample_index=self.index,
                      sampling=self.sampling, backend=backend_name, prompt=gen.prompt,
                      response=None if gen.missing else gen.text, reasoning=gen.reasoning,
                      prompt_tokens=gen.prompt_tokens, completion_tokens=gen.completion_tokens,
                      finish_reason=gen.finish_reason)


def task_prompts(domain: str, limit: int | None = None):
    """Held-out task prompts of `domain` as bench Prompts (bank 'task_<domain>'), judged by the task metric."""
    from emwatch.bench import Prompt
    from emwatch.data import heldout_prompts

    rows = heldout_prompts(domain)[: limit or None]
    if not rows:
        raise ConfigError(f"no held-out task prompts for domain {domain!r}")
    return [Prompt(bank=f"task_{domain}", question_id=r["id"], category=f"task_{domain}", variant="plain",
                   wrapper=None, paraphrase_index=0, messages=tuple(r["messages"]), samples=1,
                   judge_metrics={TASK_METRIC[domain]: None}) for r in rows]


def select_checkpoints(store: Store, runs: Sequence[str] | None = None, steps: Sequence[int] | None = None) -> pd.DataFrame:
    """Checkpoints to sample, with their run's model and kind; base models always included."""
    return store.checkpoints(runs, steps)


def build_plan_prompts(cfg: SampleConfig) -> list:
    """The prompts `cfg` asks for: the bank's slice in its formats and wrappers, then the held-out task prompts."""
    from emwatch.bench import build_prompts

    prompts = build_prompts(cfg.bank, categories=cfg.categories, variants=cfg.variants, wrappers=cfg.wrappers,
                            per_category=cfg.per_category, samples=cfg.samples, max_paraphrases=cfg.max_paraphrases)
    if cfg.task:
        prompts += task_prompts(cfg.task, cfg.task_limit)
    return prompts


def in_process_target(row: Any) -> tuple[str, str | None]:
    """(model to load, LoRA adapter) for a checkpoint row when sampling in process."""
    meta = row.meta or {}
    if row.kind == "base":
        return row.path or row.model, None
    path = row.path
    if path and (Path(path) / "adapter_config.json").is_file():
        base = meta.get("base_model_path") or meta.get("base_model") or row.model
        return str(base), path
    return path or row.model, None


def template_settings(cfg: SampleConfig) -> dict[str, Any]:
    """The settings that change the rendered prompt, recorded in each sample's `sampling` (and so its key)
    when set; unset ones are left out, so stores sampled before they existed keep their keys."""
    fields = {"enable_thinking": cfg.enable_thinking, "reasoning_effort": cfg.reasoning_effort,
              "template_date": cfg.template_date}
    return {k: v for k, v in fields.items() if v is not None}


def plan_samples(ckpts: pd.DataFrame, prompts: Sequence, cfg: SampleConfig, *, served: bool) -> list[SampleItem]:
    """Every answer `cfg` asks for at each checkpoint. `served`: one backend serves every checkpoint (a LoRA
    checkpoint is addressed by its `served_name` or path); otherwise each is loaded in process."""
    if cfg.adaptive is not None and cfg.adaptive.enabled:
        raise ConfigError("sample.adaptive: `emwatch sample` and the study job do not run rounds yet (the API "
                          "emwatch.run.sample_adaptive does); set adaptive.enabled: false (or remove it) to sample the "
                          "full plan. `emwatch run --dry-run` plans the rule's bill and `emwatch analyze "
                          "--adaptive-replay` replays it on a sampled store (docs/adaptive.md)")
    items = []
    for row in ckpts.itertuples():
        if served:
            model, adapter = None, None if row.kind == "base" else ((row.meta or {}).get("served_name") or row.path)
        else:
            model, adapter = in_process_target(row)
        for p in prompts:
            is_task = p.bank.startswith("task_")
            for i in range(p.samples):
                sampling = {"max_new_tokens": cfg.task_max_new_tokens if is_task else cfg.max_new_tokens,
                            "temperature": cfg.temperature, "top_p": cfg.top_p, "seed": cfg.seed + i,
                            **template_settings(cfg)}
                items.append(SampleItem(row.checkpoint_id, p, i, sampling, model, adapter))
    return items


def execute(items: Sequence[SampleItem], backend: Backend, runner: Runner) -> list[Sample]:
    """Generate the answers of `items` (in order) and return them as records."""
    gens = runner.generate([i.request() for i in items])
    return [item.record(g, backend.name) for item, g in zip(items, gens)]


def sample(store: Store, cfg: SampleConfig, backend: Backend | None = None, *,
           backend_factory: Callable[[BackendSpec], Backend] = make_backend, progress: bool = True,
           chunk: int | None = None) -> SampleSummary:
    """Sample answers for every selected checkpoint that lacks them; returns counts.

    `backend` (or one built from `cfg.backend`) serves every checkpoint; without either, each base model's
    answers go to the engine `cfg.engine` picks (sample/_engine.py): in process, loaded once per base model with
    LoRA checkpoints attached as adapters, or a base model's own answers on a managed vLLM server.
    """
    prompts = build_plan_prompts(cfg)
    ckpts = select_checkpoints(store, cfg.runs, cfg.steps)
    summary = SampleSummary(checkpoints=len(ckpts), prompts=len(prompts))
    if ckpts.empty:
        raise ConfigError(f"{store.path}: no checkpoints to sample (train first, or register a base model)")
    store.add(p.record() for p in prompts)
    served = backend is not None or cfg.backend is not None
    plan = plan_samples(ckpts, prompts, cfg, served=served)
    todo_items = store.lacking(plan, "samples")
    summary.skipped = len(plan) - len(todo_items)
    by_model: dict[str | None, list[SampleItem]] = {}
    for item in todo_items:
        by_model.setdefault(item.model, []).append(item)
    groups: list[tuple[BackendSpec | None, list[SampleItem]]] = []
    for model, items in by_model.items():
        if served:
            groups.append((cfg.backend, items))
            continue
        for choice in choose_engines(items, cfg.engine, min_tokens=cfg.engine_min_tokens):
            groups.append((choice.spec(str(model)), list(choice.items)))
            summary.engines.append(f"{Path(str(model)).name}: {choice.engine} for {len(choice.items)} answers "
                                   f"({choice.reason})")

    with progress_bar("sampling", len(todo_items), progress) as bar:
        for spec, items in groups:
            owned = None
            if backend is None:
                assert spec is not None
                owned = backend_factory(spec)
            active = backend or owned
            prepare = getattr(active, "prepare", None)
            if callable(prepare):  # a managed server starts with every adapter it is about to serve
                prepare(sorted({i.adapter for i in items if i.adapter}))
            spec = getattr(active, "spec", None)
            runner = Runner.for_spec(active, progress=False)
            step = chunk or max(getattr(spec, "batch_size", 8) * 4, 16)
            # one adapter at a time keeps the in-process backend on one LoRA per batch
            items.sort(key=lambda i: (str(i.adapter), i.prompt.key, i.index))
            try:
                for start in range(0, len(items), step):
                    part = items[start:start + step]
                    records = execute(part, active, runner)
                    summary.new_samples += store.add(records).get("samples", 0)
                    for r in records:
                        summary.per_checkpoint[r.checkpoint_id] = summary.per_checkpoint.get(r.checkpoint_id, 0) + 1
                    bar.advance(len(part))
            finally:
                if owned is not None:
                    owned.close()
    return summary


def sample_store(store: Store, cfg: SampleConfig, *, backend: Backend | None = None,
                 backend_factory: Callable[[BackendSpec], Backend] = make_backend, progress: bool = True,
                 chunk: int | None = None) -> SampleSummary:
    """The name earlier releases used for `sample`."""
    return sample(store, cfg, backend, backend_factory=backend_factory, progress=progress, chunk=chunk)
