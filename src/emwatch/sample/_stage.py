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
from emwatch.backends import (Backend, BackendPool, Generation, GenerationRequest, Runner, make_backend,
                              worker_pool)
from emwatch.config import BackendSpec, ConfigError, SampleConfig
from emwatch.sample._engine import choose_engines
from emwatch.store import Sample, Store, sample_key

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
    from emwatch.metrics import get_domain

    task = get_domain(domain)   # ConfigError naming the registered domains
    rows = heldout_prompts(task.heldout)[: limit or None]
    if not rows:
        raise ConfigError(f"no held-out task prompts for domain {domain!r}")
    return [Prompt(bank=f"task_{domain}", question_id=r["id"], category=f"task_{domain}", variant="plain",
                   wrapper=None, paraphrase_index=0, messages=tuple(r["messages"]), samples=1,
                   judge_metrics={task.metric: None}) for r in rows]


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
    """Every answer `cfg` asks for at each checkpoint (the full plan: `sample.adaptive` decides at run time how
    much of a checkpoint's benchmark plan is asked, run/_adaptive.py). `served`: one backend serves every
    checkpoint (a LoRA checkpoint is addressed by its `served_name` or path); otherwise each is loaded in process."""
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


def adaptive_on(cfg: SampleConfig) -> bool:
    return cfg.adaptive is not None and cfg.adaptive.enabled


# ---- the stage engine: plan(store, scope) -> items; work(items, spec, pool) -> records ---------------------

def plan(store: Store, cfg: SampleConfig, checkpoints: Sequence[str] | None = None, *, served: bool,
         prompts: Sequence | None = None, lacking: bool = True) -> list[SampleItem]:
    """The stage's plan, as every driver (`sample`, the study job, the demo, adaptive rounds) computes it: the
    answers `cfg` asks for at the checkpoints in scope (`checkpoints`: these ids, reading their rows only;
    None: `cfg.runs` / `cfg.steps`), that the store lacks (`lacking=False`: all of them). `prompts`: built
    and stored by the caller (else built from `cfg` and stored here)."""
    ckpts = store.checkpoint_rows(list(checkpoints)) if checkpoints is not None else select_checkpoints(
        store, cfg.runs, cfg.steps)
    if prompts is None:
        prompts = build_plan_prompts(cfg)
        store.add(p.record() for p in prompts)
    wanted = plan_samples(ckpts, prompts, cfg, served=served)
    return store.lacking(wanted, "samples", checkpoints=checkpoints) if lacking else wanted


def engine_groups(items: Sequence[SampleItem], cfg: SampleConfig, *, served: bool, device: str = "auto",
                  dtype: str = "auto", batch_size: int | None = None) -> list[tuple[BackendSpec | None, list[SampleItem], str]]:
    """(backend spec, its items, why) per engine: the configured backend when served (spec None: the caller's
    backend object), else per base model the engine `cfg.engine` picks (sample/_engine.py)."""
    by_model: dict[str | None, list[SampleItem]] = {}
    for item in items:
        by_model.setdefault(item.model, []).append(item)
    groups: list[tuple[BackendSpec | None, list[SampleItem], str]] = []
    for model, part in by_model.items():
        if served:
            groups.append((cfg.backend, part, "served"))
            continue
        for choice in choose_engines(part, cfg.engine, min_tokens=cfg.engine_min_tokens, device=device):
            kw = {"batch_size": batch_size} if batch_size else {}
            groups.append((choice.spec(str(model), dtype=dtype, device=device, **kw), list(choice.items),
                           f"{Path(str(model)).name}: {choice.engine} for {len(choice.items)} answers ({choice.reason})"))
    return groups


def work(items: Sequence[SampleItem], spec: BackendSpec | Backend, pool: BackendPool | None = None) -> list[Sample]:
    """The stage's work, where it runs (this process, a child, a Ray worker): answers (Sample records) to
    `items` from the backend `spec` describes, taken from `pool` (kept loaded between pieces), or from the
    backend object given. A managed server is started with the adapters it is about to serve."""
    backend = (pool or worker_pool()).get(spec) if isinstance(spec, BackendSpec) else spec
    prepare = getattr(backend, "prepare", None)
    if callable(prepare):
        prepare(sorted({i.adapter for i in items if i.adapter}))
    return execute(list(items), backend, Runner.for_spec(backend, progress=False))


def execute(items: Sequence[SampleItem], backend: Backend, runner: Runner) -> list[Sample]:
    """Generate the answers of `items` (in order) and return them as records."""
    gens = runner.generate([i.request() for i in items])
    return [item.record(g, backend.name) for item, g in zip(items, gens)]


ADAPTIVE_NEEDS_JUDGE = ("sample.adaptive samples in rounds that are judged between rounds, so it needs a judge: "
                        "`emwatch sample --judge-url URL --judge-model NAME` (or --judge-config), `emwatch run` "
                        "with the study's judge, or emwatch.run.sample_adaptive; set adaptive.enabled: false (or "
                        "remove it) to sample the full plan")


def sample(store: Store, cfg: SampleConfig, backend: Backend | None = None, *,
           backend_factory: Callable[[BackendSpec], Backend] = make_backend, progress: bool = True,
           chunk: int | None = None) -> SampleSummary:
    """Sample answers for every selected checkpoint that lacks them; returns counts.

    `backend` (or one built from `cfg.backend`) serves every checkpoint; without either, each base model's
    answers go to the engine `cfg.engine` picks (sample/_engine.py): in process, loaded once per base model with
    LoRA checkpoints attached as adapters, or a base model's own answers on a managed vLLM server.
    With `sample.adaptive` on this stage alone cannot decide (it has no judge): ConfigError.
    """
    if adaptive_on(cfg):
        raise ConfigError(ADAPTIVE_NEEDS_JUDGE)
    prompts = build_plan_prompts(cfg)
    ckpts = select_checkpoints(store, cfg.runs, cfg.steps)
    summary = SampleSummary(checkpoints=len(ckpts), prompts=len(prompts))
    if ckpts.empty:
        raise ConfigError(f"{store.path}: no checkpoints to sample (train first, or register a base model)")
    store.add(p.record() for p in prompts)
    served = backend is not None or cfg.backend is not None
    wanted = plan(store, cfg, served=served, prompts=prompts, lacking=False)
    todo_items = store.lacking(wanted, "samples")
    summary.skipped = len(wanted) - len(todo_items)
    groups = engine_groups(todo_items, cfg, served=served)
    if not served:
        summary.engines += [why for _, _, why in groups]

    with progress_bar("sampling", len(todo_items), progress) as bar, BackendPool(size=1, factory=backend_factory) as pool:
        for spec, items, _ in groups:
            active = backend if backend is not None else pool.get(spec)
            prepare = getattr(active, "prepare", None)
            if callable(prepare):  # a managed server starts with every adapter it is about to serve
                prepare(sorted({i.adapter for i in items if i.adapter}))
            step = chunk or max(getattr(getattr(active, "spec", None), "batch_size", 8) * 4, 16)
            # one adapter at a time keeps the in-process backend on one LoRA per batch
            items.sort(key=lambda i: (str(i.adapter), i.prompt.key, i.index))
            for start in range(0, len(items), step):
                part = items[start:start + step]
                records = work(part, active)
                summary.new_samples += store.add(records).get("samples", 0)
                for r in records:
                    summary.per_checkpoint[r.checkpoint_id] = summary.per_checkpoint.get(r.checkpoint_id, 0) + 1
                bar.advance(len(part))
    return summary


def sample_store(store: Store, cfg: SampleConfig, *, backend: Backend | None = None,
                 backend_factory: Callable[[BackendSpec], Backend] = make_backend, progress: bool = True,
                 chunk: int | None = None) -> SampleSummary:
    """The name earlier releases used for `sample`."""
    return sample(store, cfg, backend, backend_factory=backend_factory, progress=progress, chunk=chunk)
