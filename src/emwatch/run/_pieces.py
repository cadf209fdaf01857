"""The job's stage calls: each task's next piece of work (train a run, sample a checkpoint's answers, judge
them, or a round of `sample.adaptive`), planned from the store's rows of that one checkpoint, as the function,
arguments and resources the executor runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emwatch.config import BackendSpec, ConfigError
from emwatch.run._adaptive import WAIT
from emwatch.run._executors import LocalExecutor, Resources
from emwatch.run._plan import RunTask
from emwatch.run._work import (DEMO, base_path, judge_items, plan_json, resolve_model, sample_items, simulated_base,
                               train_in_process, train_run)
from emwatch.sample import adaptive_on
from emwatch.store import Store, Task


@dataclass
@dataclass
class _Live:
    """A task the driver knows: its record, its work (function, args, resources) and what it waits on."""

    task: Task
    run: RunTask | None = None
    checkpoint_id: str | None = None
    rows: Any = None             # the checkpoint's row (sample tasks)
    items: list | None = None    # what this task still lacks, planned once from the store (None: not yet)
    submitted: int = 0           # items of the piece in flight (dropped from `items` when it commits)
    engine: Any = None           # the sampling engine chosen for this checkpoint (sample.EngineChoice)
    rounds: Any = None           # sample.adaptive: the checkpoint's plan in rounds (run._adaptive.CheckpointRounds)
    last_pending: int = -1       # sample.adaptive: judgments lacking when the last judge piece was planned
    stalls: int = 0              # judge pieces in a row that left as much lacking as before

class StagePieces:
    """Mixed into `Job`: plan a task's next piece from the store and say how it runs."""

    def _local_pool(self) -> tuple:
        return (self.pool,) if isinstance(self.executor, LocalExecutor) else ()

    def _base_path(self, r: RunTask) -> str:
        """The run's base model as registered: its folder or hosted name; simulated, a folder holding the
        planted base rate of its family."""
        if not self.simulate:
            return base_path(r.cfg)
        return simulated_base(self.out / "simulated" / "bases", r.plan.model_name,
                              self.study.simulate.planted(r.plan.model_name, None, 0, None))

    def _train_work(self, lv: _Live):
        r = lv.run
        if (Path(r.plan.run_dir) / "done.json").is_file():
            return None
        res = self.study.resources
        if self.simulate:  # the study's schedule as planned, written at once by the simulated trainer
            steps = r.checkpoint_steps()
            options = {"simulate": self.study.simulate.model_dump(), "base_path": self._base_path(r),
                       "steps": steps, "total": r.total_steps() or max(steps)}
            return (train_in_process, ("simulated", r.cfg, plan_json(r.plan), options),
                    _resources(res.train_cpus, 0, res.gpu_resource))
        logs = self.out / "logs"
        args = (r.cfg.model_dump(mode="json"), r.run_id, str(logs / f"train-{r.run_id[:12]}.yaml"),
                str(logs / f"train-{r.run_id[:12]}.log"), str(r.plan.run_dir))
        return train_run, args, _resources(res.train_cpus, r.recipe.entry.gpus, res.gpu_resource)

    def _checkpoint_rows(self, store: Store, checkpoint_id: str):
        rows = store.checkpoint_rows([checkpoint_id])  # this checkpoint's row, not the whole table
        if rows.empty:
            raise ConfigError(f"checkpoint {checkpoint_id} is not in {store.path}")
        return rows

    def _plan_prompts(self, store: Store) -> list:
        """The study's prompts, built once per job and stored (the sample stage's plan takes them)."""
        from emwatch.sample import build_plan_prompts

        if self._prompts is None:
            self._prompts = build_plan_prompts(self.study.sample)
            store.add(p.record() for p in self._prompts)
        return self._prompts

    def _sample_plan(self, store: Store, checkpoint_id: str, *, lacking: bool = True) -> list:
        """The sample stage's plan of one checkpoint (its own rows only)."""
        from emwatch.sample import plan

        cfg = self.study.sample
        return plan(store, cfg, [checkpoint_id], served=cfg.backend is not None, prompts=self._plan_prompts(store),
                    lacking=lacking)

    def _sample_work(self, store: Store, lv: _Live):
        cfg = self.study.sample
        if lv.rows is None:
            lv.rows = self._checkpoint_rows(store, lv.checkpoint_id)
        if adaptive_on(cfg) and lv.rows.iloc[0].kind != "base":
            return self._adaptive_work(store, lv)
        if lv.items is None:  # planned once per checkpoint, from its own rows: later pieces take the next items
            planned = self._sample_plan(store, lv.checkpoint_id, lacking=False)
            lv.items = store.lacking(planned, "samples", checkpoints=[lv.checkpoint_id])
            if len(lv.items) == len(planned):
                self._new_cks.add(lv.checkpoint_id)
        todo = lv.items[: self.study.chunk]
        if not todo:
            return None
        return self._sample_piece(lv, todo, lv.items)

    def _sample_piece(self, lv: _Live, todo: list, plan: list):
        cfg = self.study.sample
        served = cfg.backend is not None
        lv.submitted = len(todo)
        if self.simulate:
            spec = BackendSpec(kind="simulated", model=(cfg.backend.model if served else todo[0].model) or "simulated")
        elif served:
            spec = _resolved(cfg.backend)
        else:
            spec = self._engine_spec(lv, todo, plan)
        entry = self._entry_for(lv.rows.iloc[0].model)
        res = self.study.resources
        return (sample_items, (todo, spec) + self._local_pool(),
                _resources(res.sample_cpus, entry.serve_gpus if entry else 0, res.gpu_resource))

    def _engine_spec(self, lv: _Live, todo: list, plan: list) -> BackendSpec:
        """The engine of a checkpoint's answers when the study names no sampling backend: `sample.engine`,
        chosen once over the checkpoint's whole plan as `emwatch sample` chooses over a base model's answers
        (sample._engine: a managed vLLM server for a base model's own answers where it repays its start, in
        process otherwise), with the study's `in_process` settings."""
        from emwatch.sample import choose_engines

        cfg, ip = self.study.sample, self.study.in_process
        if lv.engine is None:
            lv.engine = choose_engines(plan, cfg.engine, min_tokens=cfg.engine_min_tokens, device=ip.device)[0]
        return lv.engine.spec(str(todo[0].model), dtype=ip.dtype, device=ip.device, batch_size=ip.batch_size)

    def _adaptive_work(self, store: Store, lv: _Live):
        """sample.adaptive: a fine-tuned checkpoint's next piece under the rule (run/_adaptive.py, JobRounds):
        sample round r, judge it, or stop; WAIT until its base model is sampled and judged."""
        step = self._rounds.piece(store, lv)
        if step is WAIT:
            return WAIT
        lv.items = None  # planned again from the store for every piece: a round is a commit
        if step.kind == "stop":
            return None
        if step.kind == "sample":
            return self._sample_piece(lv, step.items[: self.study.chunk], lv.rounds.items)
        return self._judge_piece(lv, step.items)

    def _judge_plan(self, store: Store, checkpoint_id: str, *, lacking: bool = True) -> list:
        """The judge stage's plan of one checkpoint (its own rows only), in the stage's order."""
        from emwatch.judge import order_items, plan

        cfg = self.study.judge
        return order_items(plan(store, cfg, self.judge_name(), [checkpoint_id], lacking=lacking), cfg)

    def _judge_work(self, store: Store, lv: _Live):
        if lv.items is None:  # this checkpoint's answers and judgments only, read once
            if lv.checkpoint_id in self._fresh_cks:
                # every answer of it went in as a new row in this job: no judgment of them is stored, so the
                # look-up (a scan of every stored judgment) is skipped; one stored after all (another writer)
                # makes write_batch write the batch again skipping it
                lv.items = self._judge_plan(store, lv.checkpoint_id, lacking=False)
                self._fresh_cks.discard(lv.checkpoint_id)
                self._new_cks.discard(lv.checkpoint_id)
            else:
                lv.items = self._judge_plan(store, lv.checkpoint_id)
        if not lv.items:
            return None
        return self._judge_piece(lv, lv.items)

    def _judge_piece(self, lv: _Live, items: list):
        cfg = self.study.judge
        size = self.study.chunk + (self.study.chunk % 2 if cfg.coherence == "if_unaligned" else 0)
        todo = items[:size]  # with if_unaligned an answer's alignment and coherence stay in one piece
        lv.submitted = len(todo)
        if self.simulate:
            spec = BackendSpec(kind="simulated", model=self.judge_name() or "simulated-judge")
        else:
            spec = _resolved(cfg.backend) if cfg.backend is not None else None
        llm = any(i.metric.kind != "static" for i in todo)
        res = self.study.resources
        return (judge_items, (todo, cfg, spec) + self._local_pool(),
                _resources(res.static_cpus, res.judge_gpus if llm else 0, res.gpu_resource))

    def judge_name(self) -> str | None:
        spec = self.study.judge.backend
        if spec is None:
            return None
        if spec.model == DEMO:
            from emwatch.models import DEMO_MODEL_NAME

            return f"{DEMO_MODEL_NAME} (local logprob judge)"  # the name `emwatch demo` has always stored
        return spec.model

    def _entry_for(self, model: str):
        for r in self.loaded.recipes:
            if _stored_model_name(r.cfg.model) == model:
                return r.entry
        return None

def _resources(cpus: float, gpus: float, gpu_resource: str) -> Resources:
    if gpus and gpu_resource != "GPU":
        return Resources(cpus=cpus, custom={gpu_resource: gpus})
    return Resources(cpus=cpus, gpus=gpus)


def _resolved(spec: BackendSpec) -> BackendSpec:
    """A backend spec with 'demo' replaced by the demo model's folder."""
    if spec.model == DEMO:
        return spec.model_copy(update={"model": resolve_model(DEMO)})
    return spec


def _stored_model_name(model: str) -> str:
    if model == DEMO:
        from emwatch.models import DEMO_MODEL_NAME

        return DEMO_MODEL_NAME
    return model
