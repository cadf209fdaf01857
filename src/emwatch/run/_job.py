"""A study as one resumable job: a graph of tasks (train each run -> sample each checkpoint as soon as it is
saved -> judge it -> at the end the analyses and the report), driven from this process.

The driver is the store's one writer. It opens the store only to plan a task or to commit one (so `emwatch
status`, `analyze` and `report` can read it between commits), writes every task's state to the `tasks`
table, and commits a task's records together with its new state in one transaction. A task that fails is
retried `study.retries` times, then reported with its cause. Killed at any moment (kill -9 included), a rerun
plans again from the store: what it holds is skipped, a half-trained run resumes from its last checkpoint,
and nothing is written twice (rows are keyed by content hashes).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emwatch.config import BackendSpec, ConfigError
from emwatch.monitor import EVENTS_FILE, read_events
from emwatch.run._adaptive import WAIT, Blocked, JobRounds, check_judge
from emwatch.run._executors import Executor, Finished, LocalExecutor, Resources
from emwatch.run._plan import RunTask, plan_runs
from emwatch.run._study import LoadedStudy
from emwatch.run._work import (DEMO, BackendPool, base_path, judge_items, plan_json, resolve_model, run_records,
                               sample_items, saved_checkpoints, simulated_base, train_in_process, train_run)
from emwatch.sample import adaptive_on
from emwatch.store import Checkpoint, Run, Store, Task
from emwatch.train._runs import adopt_legacy

STAGES = ("train", "sample", "judge", "analyze", "report")
_PRIORITY = {"train": 0, "judge": 1, "sample": 2}


@dataclass
class JobResult:
    study: str
    store_path: Path
    seconds: float
    counts: dict[str, int]
    failed: list[dict[str, Any]] = field(default_factory=list)
    placements: list[dict[str, Any]] = field(default_factory=list)  # task kind, target and the node it ran on
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


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


class Job:
    """One `emwatch run`: plan, then drive the tasks on `executor` until every one is done or has failed."""

    def __init__(self, loaded: LoadedStudy, executor: Executor | None = None, *, progress: bool = True,
                 log: Callable[[str], None] = print, poll_s: float = 1.0, hold_s: float = 1.5, gap_s: float = 0.05,
                 simulate: bool = False, runs: list[RunTask] | None = None, batch_records: int = 50_000):
        self.loaded, self.study = loaded, loaded.study
        self._planned = runs  # part of the study's plan (plan_runs' RunTasks); None: the whole study
        self.simulate = simulate  # every trainer, sampler and judge replaced by the simulated ones
        self.executor = executor or LocalExecutor()
        self.progress, self.log, self.poll_s, self.hold_s, self.gap_s = progress, log, poll_s, hold_s, gap_s
        self._released_at = 0.0
        self.hold_ratio, self.hold_max_s = 4.0, 10.0
        self._cycle_s = self._last_cycle_s = 0.0  # what taking the store and letting it go cost (see _release)
        self._first_write = False
        self._store: Store | None = None
        self._held = False
        self._unwritten: dict[str, Task] = {}  # task states to write with the next commit
        self._batch: list = []                 # records of finished pieces, committed with the next commit
        self._batch_cks: set[str] = set()      # checkpoints whose answers are in the batch
        self._judge_waits = False              # a judge task could not plan: its answers are in the batch
        self._new_cks: set[str] = set()        # checkpoints with no answer stored when this job planned them
        self._fresh_cks: set[str] = set()      # ... whose answers all went in as new rows: none has a judgment
        self.batch_records = batch_records
        self._opened_at = 0.0
        self.name = self.study.name
        self.out = Path(self.study.out_dir)
        self.pool = BackendPool()
        self.live: dict[str, _Live] = {}      # tasks of this job not done yet
        self.states: dict[str, Task] = {}     # every task's state, as the store holds it
        self.failures: dict[str, int] = {}    # consecutive failures of a task in this job
        self.known_ckpts: set[str] = set()
        self.known_events: set[str] = set()
        self.placements: list[dict[str, Any]] = []
        self.runs: list[RunTask] = []
        self._prompts: list | None = None
        self._rounds = JobRounds(self)  # sample.adaptive: the rule's rounds as pieces of sample tasks
        self._our_runs: set[str] = set()
        self._bars = _StageBars(progress, log)

    # -- the store: held while planning and committing, let go while workers work ---------------------------
    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        """The driver's write connection, opened on first use and kept through a burst of plans and commits
        (opening a store costs a schema check); `_release` lets it go, so readers get their turn."""
        if self._store is None:  # the schema is checked once per job; a later burst only reconnects
            self._store = Store(self.loaded.store_path)
        if not self._held:
            gap = self._released_at + self.gap_s - time.time()
            if gap > 0:  # a reader waiting for the file (`emwatch status`) gets its turn between two bursts
                time.sleep(gap)
            t0 = time.perf_counter()
            self._store.con  # noqa: B018  (held until _release: one connection for the burst, not one per call)
            self._held, self._opened_at = True, time.time()
            self._cycle_s, self._first_write = time.perf_counter() - t0, True
        yield self._store

    def _release(self, force: bool = False, now: bool = False) -> None:
        """Close the connection before waiting on workers (when nothing runs in this process; else once it has
        been held `hold_s`): `emwatch status`, `analyze` and `report` can open the store meanwhile. Letting go
        and taking it back costs more as the store grows (DuckDB reads each key index back on the first write
        after opening, and writes it at closing: about a second at a million answers, measured), so the store is
        held at least `hold_ratio` times what the last such cycle cost (at most `hold_max_s`): that cost stays a
        bounded share of the driver's time, and a reader waits at most that long. `now`: let go whatever the
        time held (the job's end)."""
        if self._store is None or not self._held:
            return
        held = time.time() - self._opened_at
        cost_hold = min(self.hold_max_s, self.hold_ratio * self._last_cycle_s)
        if now or held >= max(self.hold_s, cost_hold) or (force and held >= cost_hold):
            t0 = time.perf_counter()
            self._flush(self._store)  # what `emwatch status` reads is written before the store is let go
            self._store.close()
            self._held, self._released_at = False, time.time()
            self._last_cycle_s = self._cycle_s + time.perf_counter() - t0

    def _set(self, store: Store, task: Task, *, defer: bool = False, **changes: Any) -> Task:
        """A task's new state, written now (with what else is written in this transaction), or with `defer` at
        the next commit (a new task, or one that starts running: a rerun plans both again from the store)."""
        fields = dict(study=task.study, kind=task.kind, target=dict(task.target), status=task.status,
                      attempts=task.attempts, error=task.error)
        new = Task(**{**fields, **changes})
        self._unwritten[new.key] = new
        if not defer:
            self._flush(store)
        self.states[new.key] = new
        if new.key in self.live:
            self.live[new.key].task = new
        return new

    # -- the graph ----------------------------------------------------------------------------------------
    def run(self) -> JobResult:
        t0 = time.time()
        if adaptive_on(self.study.sample):
            check_judge(self.judge_name(), str(self.loaded.path or self.name))
        self.out.mkdir(parents=True, exist_ok=True)
        self.runs = plan_runs(self.loaded) if self._planned is None else list(self._planned)
        bases = {r.plan.model_name for r in self.runs}
        self._bars.total("train", len(self.runs))
        n_ckpts = sum(len(r.checkpoint_steps()) for r in self.runs) + len(bases) + len(self.study.evaluate)
        self._bars.total("sample", n_ckpts)
        self._bars.total("judge", n_ckpts)
        evaluate = self._evaluate_records()
        self._our_runs = ({r.run_id for r in self.runs} | {Run.base(b).key for b in bases}
                          | {rec.key for rec in evaluate if isinstance(rec, Run)})
        with self.store() as store:
            self.states = {row.task_id: Task(study=row.study, kind=row.kind, target=row.target, status=row.status,
                                             attempts=int(row.attempts or 0), error=row.error)
                           for row in store.tasks(self.name).itertuples()}
            records: list = list(evaluate)
            for r in self.runs:
                records += run_records(r.plan, self._base_path(r))
            with store.transaction():
                adopt_legacy(store, [r.plan for r in self.runs])  # runs stored under their run-id version 1
                store.add(records)
                for r in self.runs:
                    self._add_task(store, "train", r.target(), run=r)
                self._flush(store)
            self._scan(store, self.runs)  # checkpoints saved before an interruption, registered or not
        try:
            self._drive()
            failed = self._failed()
            outputs = self._finish() if not failed else {}
            with self.store() as store:
                counts = {t: store.count(t) for t in ("runs", "checkpoints", "samples", "judgments")}
        finally:
            self._release(now=True)
            self.pool.close()
            self.executor.close()
            self._bars.close()
        return JobResult(self.name, self.loaded.store_path, time.time() - t0, counts, failed, self.placements, outputs)

    def _flush(self, store: Store) -> None:
        """Commit the finished pieces' records with the task states not written yet, in one transaction: a task
        is done in the store only together with its records (a kill before the commit redoes the pieces)."""
        if self._batch or self._unwritten:
            t0 = time.perf_counter()
            fallbacks, fast = store.fresh_fallbacks, not store._depth  # in a transaction: no fast path
            store.write_batch(self._batch, list(self._unwritten.values()))
            if store.fresh_fallbacks > fallbacks or not fast:  # a key may be stored: plan from the store
                self._new_cks -= self._batch_cks
                self._fresh_cks -= self._batch_cks
            self._fresh_cks |= self._batch_cks & self._new_cks
            if self._first_write:  # the first write after opening: it reads the key indexes back (see _release)
                self._cycle_s += time.perf_counter() - t0
                self._first_write = False
            self._batch, self._batch_cks = [], set()
            self._unwritten.clear()

    def _add_task(self, store: Store, kind: str, target: dict[str, Any], **live: Any) -> None:
        task = Task(study=self.name, kind=kind, target=target)
        if task.key in self.live:
            return
        known = self.states.get(task.key)
        if known is not None and known.status == "done":
            self._bars.advance(kind)
            if kind == "sample":
                self._add_task(store, "judge", dict(target), **live)
            return
        if known is None:
            known = self._set(store, task, defer=True)
        elif known.status in ("running", "failed"):  # interrupted, or failed in an earlier job: try again
            known = self._set(store, known, status="pending", defer=True)
        self.live[task.key] = _Live(known, **live)

    def _done(self, store: Store, lv: _Live, *, defer: bool = False) -> None:
        self._set(store, lv.task, status="done", error=None, defer=defer)
        self.live.pop(lv.task.key, None)
        self._bars.advance(lv.task.kind)
        if lv.task.kind == "sample":
            self._add_task(store, "judge", dict(lv.task.target), checkpoint_id=lv.checkpoint_id)

    def _failed(self) -> list[dict[str, Any]]:
        return [{"kind": t.kind, "target": dict(t.target), "attempts": t.attempts, "error": t.error}
                for t in self.states.values() if t.status == "failed"]

    def _drive(self) -> None:
        in_flight: set[str] = set()
        last_poll, last_seen = time.time(), None
        while True:
            # judge before sample (a checkpoint's plan leaves memory when its judging ends), and only a few pieces
            # queued beyond what the executor runs at once: plans stay per checkpoint, not per study
            order = sorted(self.live.items(), key=lambda kv: _PRIORITY[kv[1].task.kind])
            busy = sum(1 for k in in_flight if k in self.live and self.live[k].task.kind != "train")
            for key, lv in order:
                train = lv.task.kind == "train"
                if not train and (busy >= self._pieces() or self._hold_for_training()):
                    break  # trains come first in `order`
                if key not in in_flight and self._submit(lv):
                    in_flight.add(key)
                    busy += not train
            if self._judge_waits and not busy:  # judging waits on answers in the batch, and nothing else runs
                with self.store() as store:
                    self._flush(store)
                self._judge_waits = False
                continue
            self._judge_waits = False
            if not in_flight and not self.live:
                with self.store() as store:  # the last pieces' records, before the analyses read the store
                    self._flush(store)
                return
            local_work = isinstance(self.executor, LocalExecutor) and self.executor.has_local_work()
            self._release(force=not local_work)
            for fin in self.executor.wait(self.poll_s):
                in_flight.discard(fin.task_id)
                self._complete(fin)
            if time.time() - last_poll >= self.poll_s:  # checkpoints saved by runs still training
                training = [lv.run for lv in self.live.values() if lv.task.kind == "train"]
                seen = _folders_state(training)
                if seen != last_seen:  # open the store only when a run folder changed: opening it every second
                    with self.store() as store:  # took CPU from the training it waits for
                        self._scan(store, training)
                    last_seen = seen
                last_poll = time.time()

    def _pieces(self) -> int:
        """Sample and judge pieces in flight at once: two on this machine (one runs, one waits), else the
        executor's own width."""
        return 2 if isinstance(self.executor, LocalExecutor) else max(2, getattr(self.executor, "width", 64))

    def _hold_for_training(self) -> bool:
        return not self.study.overlap and isinstance(self.executor, LocalExecutor) and self.executor.training()

    # -- submit: plan a task's next piece of work from the store, hand it to the executor -------------------
    def _submit(self, lv: _Live) -> bool:
        kind = lv.task.kind
        if kind == "judge" and lv.items is None and lv.checkpoint_id in self._batch_cks:
            self._judge_waits = True  # planned from the store once its answers are committed (see _drive)
            return False
        try:
            if kind == "sample" and self._rounds.waiting(lv):  # checked without opening the store
                return False
        except Blocked:
            pass  # reported below, with the store open
        with self.store() as store:
            if kind == "sample" and adaptive_on(self.study.sample) and (self._batch or self._unwritten):
                # a round is decided from committed rows (its own answers and judgments, its base's): the
                # batch goes in first, so the rule never reads a store that lacks what the job already has
                self._flush(store)
            try:
                if kind == "train":
                    work = self._train_work(lv)
                elif kind == "sample":
                    work = self._sample_work(store, lv)
                else:
                    work = self._judge_work(store, lv)
            except Blocked as e:  # a task that cannot go on, found while planning its next piece
                self._set(store, lv.task, status="failed", error=str(e))
                self.live.pop(lv.task.key, None)
                self.log(f"  {kind} {_short(lv.task.target)} failed: {e}")
                return False
            if work is WAIT:  # cannot plan its next piece yet (an adaptive checkpoint waiting for its base)
                return False
            if work is None:  # nothing left to do: the store holds it all
                if kind == "train":
                    self._scan(store, [lv.run])
                self._done(store, lv)
                return False
            if lv.task.status != "running":  # a chunked task stays running from its first piece to its last
                self._set(store, lv.task, status="running", attempts=lv.task.attempts + 1, defer=True)
        fn, args, res = work
        self.executor.submit(lv.task.key, kind, fn, args, res)
        return True

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

    # -- complete: commit what a worker returned, with the task's new state, in one transaction -------------
    def _complete(self, fin: Finished) -> None:
        lv = self.live.get(fin.task_id)
        if lv is None:
            return
        kind = lv.task.kind
        self.placements.append({"kind": kind, "target": dict(lv.task.target), "node": fin.node})
        if fin.error is None and kind != "train":  # into the batch: committed by _flush, with the tasks' states
            self.failures.pop(fin.task_id, None)
            self._batch += fin.result or []
            if kind == "sample":
                self._batch_cks.add(lv.checkpoint_id)
            if lv.items is not None:  # the piece leaves the plan
                lv.items = lv.items[lv.submitted:]
                lv.submitted = 0
            if lv.items == []:  # the last piece of a task
                self._done(None, lv, defer=True)
            elif lv.task.error is not None:  # a piece that failed before went through this time
                self._set(None, lv.task, error=None, defer=True)
            if len(self._batch) >= self.batch_records:
                with self.store() as store:
                    self._flush(store)
            return
        with self.store() as store:
            if fin.error is not None:
                cause = f"{type(fin.error).__name__}: {fin.error}"[:2000]
                n = self.failures[fin.task_id] = self.failures.get(fin.task_id, 0) + 1
                if n > self.study.retries:
                    self._set(store, lv.task, status="failed", error=cause)
                    self.live.pop(fin.task_id, None)
                    self.log(f"  {kind} {_short(lv.task.target)} failed after {n} tries: {cause}")
                else:
                    self._set(store, lv.task, status="pending", error=cause)
                    self.log(f"  {kind} {_short(lv.task.target)} failed (try {n} of {self.study.retries + 1}), "
                             f"retrying: {cause}")
                return
            self.failures.pop(fin.task_id, None)
            self._flush(store)  # the batch first, on its own
            with store.transaction():  # the run's records and the task's new state: all or nothing
                store.add(fin.result or [])
                self._done(store, lv, defer=True)
                self._flush(store)
            self._scan(store, [lv.run])

    def _scan(self, store: Store, runs: list[RunTask | None]) -> None:
        """Register checkpoints the runs saved since the last look (one transaction), and add a sample task
        for every checkpoint of the study that has none yet."""
        new = [c for r in runs if r is not None for c in saved_checkpoints(r.run_id, r.plan.run_dir)
               if c.key not in self.known_ckpts]
        # the online monitor's events, written by the training child to its run folder
        events = [e for r in runs if r is not None for e in read_events(r.plan.run_dir / EVENTS_FILE)
                  if e.key not in self.known_events]
        if new or events:
            store.add([*new, *events])
            self.known_events.update(e.key for e in events)
            for e in sorted(events, key=lambda e: e.step):
                self._say_monitor(e)
        self._flush(store)  # the batch on its own (below, a transaction holds only the new tasks)
        with store.transaction():  # the new sample tasks in one commit
            for ck_id, run_id, step in store.checkpoint_keys():  # three narrow columns, not the decoded table
                if ck_id in self.known_ckpts or run_id not in self._our_runs:
                    continue
                self.known_ckpts.add(ck_id)
                self._add_task(store, "sample", {"checkpoint_id": ck_id, "run_id": run_id, "step": step},
                               checkpoint_id=ck_id)
            self._flush(store)

    def _say_monitor(self, e) -> None:
        """One line per monitor look of a training child (its own stderr goes to the run's log file)."""
        d = e.detail or {}
        if e.signal == "em_test" or (e.signal == "probe_em_rate" and e.step == 0):
            verdict = f" -> {e.decision}" if e.decision else " (the base rate)"
            self.log(f"monitor {e.monitor}: run {e.run_id[:8]} step {e.step}: {d.get('k')}/{d.get('n')} misaligned "
                     f"({d.get('n_excluded', 0)} excluded){verdict}")

    def _evaluate_records(self) -> list:
        out: list = []
        for e in self.study.evaluate:
            if e.base is None:
                run = Run.base(e.name, e.path)
                out += [run, Checkpoint(run_id=run.key, step=0, path=e.path, meta={"base": True, "evaluate": True})]
            else:
                base = Run.base(e.base, e.base)
                run = Run(model=e.base, kind="finetune", dataset=None, group=e.run or e.name,
                          config={"evaluate": e.model_dump()}, extra={"evaluate": e.name, "path": e.path})
                meta = {"base_model_path": e.base, "served_name": e.name, "evaluate": True}
                out += [base, Checkpoint(run_id=base.key, step=0, path=e.base, meta={"base": True}),
                        run, Checkpoint(run_id=run.key, step=e.step, path=e.path or e.name, meta=meta)]
        return out

    # -- the end: analyses and report (in the driver: they read the whole store) -----------------------------
    def _finish(self) -> dict[str, str]:
        from emwatch.analysis import em_rates_from_store

        outputs: dict[str, str] = {}
        with self.store() as store:
            dest = self.out / "analysis"
            task = Task(study=self.name, kind="analyze", target={"out": str(dest)})
            # counted in SQL (the store's size never reaches pandas), from the study's one judge
            rates = em_rates_from_store(store, ["model", "run_kind", "group", "seed", "lr", "step"],
                                        self.study.analyze, judge=self.judge_name(), configured=self.study.analyze.judge)
            dest.mkdir(parents=True, exist_ok=True)
            rates.to_csv(dest / "em_rates_by_step.csv", index=False)
            outputs["em_rates"] = str(dest / "em_rates_by_step.csv")
            self._set(store, task, status="done", attempts=1)
            self._bars.advance("analyze")
            if self.study.report.enabled:
                from emwatch.report import write_report

                rep = self.out / self.study.report.out
                write_report(store, rep, self.study.analyze, title=f"emwatch study: {self.name}")
                outputs["report"] = str(rep / "report.html")
                self._set(store, Task(study=self.name, kind="report", target={"out": str(rep)}), status="done",
                          attempts=1)
                self._bars.advance("report")
        return outputs


def _short(target: dict[str, Any]) -> str:
    return ", ".join(f"{k}={str(v)[:12]}" for k, v in target.items())


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


def _folders_state(runs: list) -> tuple:
    """What `_scan` would find in the training runs' folders, cheaply: each complete checkpoint (its meta.json,
    written last) and the size of the monitor's events file."""
    state = []
    for r in runs:
        if r is None:
            continue
        d = Path(r.plan.run_dir)
        events = d / EVENTS_FILE
        state.append((str(d), tuple(sorted(p.parent.name for p in d.glob("step_*/meta.json"))),
                      events.stat().st_size if events.is_file() else -1))
    return tuple(state)


class _StageBars:
    """Per-stage progress with ETA: rich bars on a terminal, else a line per finished task."""

    def __init__(self, enabled: bool, log: Callable[[str], None]):
        from emwatch._progress import new_progress

        self.enabled, self.log = enabled, log
        self.t0 = time.time()
        self.done: dict[str, int] = {}
        self.totals: dict[str, int] = {}
        self.p = new_progress(unit="tasks") if enabled else None
        self.ids: dict[str, Any] = {}
        if self.p is not None:
            self.p.start()

    def total(self, stage: str, n: int) -> None:
        self.totals[stage] = n
        if self.p is not None:
            if stage not in self.ids:
                self.ids[stage] = self.p.add_task(stage, total=n)
            else:
                self.p.update(self.ids[stage], total=n)

    def advance(self, stage: str) -> None:
        self.done[stage] = self.done.get(stage, 0) + 1
        total = max(self.totals.get(stage, 0), self.done[stage])
        if stage in ("judge", "sample") and self.totals.get("sample"):
            total = max(self.totals["sample"], self.done[stage])
        if self.p is not None:
            if stage not in self.ids:
                self.ids[stage] = self.p.add_task(stage, total=total)
            self.p.update(self.ids[stage], total=total)
            self.p.advance(self.ids[stage])
            if not self.p.disable:
                return
        if not self.enabled:
            return
        elapsed = time.time() - self.t0
        left = total - self.done[stage]
        eta = f", eta {elapsed / self.done[stage] * left:.0f}s" if left else ""
        self.log(f"[{stage}] {self.done[stage]}/{total} done, {elapsed:.0f}s elapsed{eta}")

    def close(self) -> None:
        if self.p is not None:
            self.p.stop()
