"""The sampling stage: answers to a question bank (and held-out task prompts) at chosen checkpoints.

Every sample row is keyed by a hash of (checkpoint, question, sample index, sampling parameters), so a
killed run resumes where it stopped and a rerun inserts nothing twice. Rows are committed per chunk.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from emwatch._progress import progress_bar
from emwatch.backends import Backend, GenerationRequest, Runner, make_backend
from emwatch.config import BackendSpec, ConfigError, SampleConfig
from emwatch.store import Store, content_key

TASK_METRIC = {"code": "vulnerable", "medical": "harmful"}


@dataclass
class SampleSummary:
    checkpoints: int = 0
    prompts: int = 0
    new_samples: int = 0
    skipped: int = 0
    per_checkpoint: dict[str, int] = field(default_factory=dict)


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
    df = store.df("""SELECT c.checkpoint_id, c.run_id, c.step, c.path, c.meta, r.kind, r.model, r.config
                     FROM checkpoints c JOIN runs r USING (run_id) WHERE r.kind <> 'import'
                     ORDER BY r.model, r.kind, c.step""")
    if runs:
        df = df[df.run_id.isin(runs) | (df.kind == "base")]
    if steps:
        df = df[df.step.isin(steps) | (df.kind == "base")]
    return df.reset_index(drop=True)


def _meta(row) -> dict:
    return json.loads(row.meta) if isinstance(row.meta, str) else (row.meta or {})


def _target(row) -> tuple[str, str | None]:
    """(model to load, LoRA adapter) for a checkpoint row when sampling in process."""
    meta = _meta(row)
    if row.kind == "base":
        return row.path or row.model, None
    path = row.path
    if path and (Path(path) / "adapter_config.json").is_file():
        base = meta.get("base_model_path") or meta.get("base_model") or row.model
        return str(base), path
    return path or row.model, None


def sample_store(store: Store, cfg: SampleConfig, *, backend: Backend | None = None,
                 backend_factory: Callable[[BackendSpec], Backend] = make_backend,
                 progress: bool = True, chunk: int | None = None) -> SampleSummary:
    """Sample answers for every selected checkpoint that lacks them; returns counts.

    `backend` (or cfg.backend) serves every checkpoint: a served LoRA is addressed by the checkpoint's
    `served_name` (meta) or path. Without one, each checkpoint's base model is loaded in process (hf),
    once per base model, with LoRA checkpoints attached as adapters.
    """
    from emwatch.bench import build_prompts

    prompts = build_prompts(cfg.bank, categories=cfg.categories, variants=cfg.variants, wrappers=cfg.wrappers,
                            per_category=cfg.per_category, samples=cfg.samples, max_paraphrases=cfg.max_paraphrases)
    if cfg.task:
        prompts += task_prompts(cfg.task, cfg.task_limit)
    ckpts = select_checkpoints(store, cfg.runs, cfg.steps)
    summary = SampleSummary(checkpoints=len(ckpts), prompts=len(prompts))
    if ckpts.empty:
        raise ConfigError(f"{store.path}: no checkpoints to sample (train first, or register a base model)")
    with store.transaction():
        store.insert("questions", [p.to_row() for p in prompts])

    # Plan every sample, then keep those not in the store yet.
    plan_by_target: dict[tuple, list[tuple]] = defaultdict(list)
    for row in ckpts.itertuples():
        if backend is not None or cfg.backend is not None:
            model, adapter = (None, None) if row.kind == "base" else (None, _meta(row).get("served_name") or row.path)
        else:
            model, adapter = _target(row)
        for p in prompts:
            is_task = p.bank.startswith("task_")
            for i in range(p.samples):
                sampling = {"max_new_tokens": cfg.task_max_new_tokens if is_task else cfg.max_new_tokens,
                            "temperature": cfg.temperature, "top_p": cfg.top_p, "seed": cfg.seed + i}
                sid = content_key("sample", row.checkpoint_id, p.key, i, sampling)
                plan_by_target[(model,)].append((sid, row.checkpoint_id, p, i, sampling, adapter))
    all_ids = [x[0] for plans in plan_by_target.values() for x in plans]
    done = store.existing("samples", "sample_id", all_ids)
    summary.skipped = len(done)
    todo = {t: [x for x in plans if x[0] not in done] for t, plans in plan_by_target.items()}
    total = sum(len(v) for v in todo.values())

    with progress_bar("sampling", total, progress) as bar:
        for (model,), plans in todo.items():
            if not plans:
                continue
            owned = None
            if backend is None:
                spec = cfg.backend or BackendSpec(kind="hf", model=model)
                backend = owned = backend_factory(spec)
            spec = getattr(backend, "spec", None)
            runner = Runner.for_spec(backend, progress=False)
            step = chunk or max(getattr(spec, "batch_size", 8) * 4, 16)
            # one adapter at a time keeps the hf backend on one LoRA per batch
            plans.sort(key=lambda x: (str(x[5]), x[2].key, x[3]))
            for start in range(0, len(plans), step):
                part = plans[start:start + step]
                reqs = [GenerationRequest(messages=tuple(p.messages), max_new_tokens=s["max_new_tokens"],
                                          temperature=s["temperature"], top_p=s["top_p"], seed=s["seed"],
                                          adapter=adapter) for (_, _, p, _, s, adapter) in part]
                gens = runner.generate(reqs)
                rows = [{
                    "sample_id": sid, "checkpoint_id": cid, "question_key": p.key, "sample_index": i,
                    "sampling": s, "backend": getattr(backend, "name", "?"), "prompt": g.prompt,
                    "response": g.text, "prompt_tokens": g.prompt_tokens,
                    "completion_tokens": g.completion_tokens, "finish_reason": g.finish_reason,
                } for (sid, cid, p, i, s, _), g in zip(part, gens)]
                with store.transaction():
                    summary.new_samples += store.insert("samples", rows)
                for r in rows:
                    summary.per_checkpoint[r["checkpoint_id"]] = summary.per_checkpoint.get(r["checkpoint_id"], 0) + 1
                bar.advance(len(part))
            if owned is not None:
                owned.close()
                backend = None
    return summary
