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

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emwatch.monitor import EVENTS_FILE, read_events
from emwatch.run._adaptive import WAIT, Blocked, JobRounds, check_judge
from emwatch.run._bars import StageBars
from emwatch.run._commit import StoreHolder
from emwatch.run._executors import Executor, Finished, LocalExecutor
from emwatch.run._pieces import StagePieces, _Live
from emwatch.run._plan import RunTask, plan_runs
from emwatch.run._study import LoadedStudy
from emwatch.run._work import BackendPool, run_records, saved_checkpoints
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


class Job(StoreHolder, StagePieces):
    """One `emwatch run`: plan, then drive the tasks on `executor` until every one is done or has failed."""

    def __init__(self, loaded: LoadedStudy, executor: Executor | None = None, *, progress: bool = True,
                 log: Callable[[str], None] = print, poll_s: float = 1.0, hold_s: float = 1.5, gap_s: float = 0.05,
                 simulate: bool = False, runs: list[RunTask] | None = None, batch_records: int = 50_000):
        self.loaded, self.study = loaded, loaded.study
        self._planned = runs  # part of the study's plan (plan_runs' RunTasks); None: the whole study
        self.simulate = simulate  # every trainer, sampler and judge replaced by the simulated ones
        self.executor = executor or LocalExecutor()
        self.progress, self.log, self.poll_s = progress, log, poll_s
        self._init_commit(loaded.store_path, hold_s=hold_s, gap_s=gap_s, batch_records=batch_records)
        self._judge_waits = False              # a judge task could not plan: its answers are in the batch
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
        self._bars = StageBars(progress, log)

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
        from emwatch.analysis import em_rates_from_store, name_judge, resolve_judge

        outputs: dict[str, str] = {}
        with self.store() as store:
            dest = self.out / "analysis"
            task = Task(study=self.name, kind="analyze", target={"out": str(dest)})
            # counted in SQL (the store's size never reaches pandas), from the study's one judge, named in a
            # `judge` column (every rate names its judge)
            choice = resolve_judge(store, self.judge_name(), self.study.analyze)
            rates = name_judge(em_rates_from_store(store, ["model", "run_kind", "group", "seed", "lr", "step"],
                                                   self.study.analyze, judge=choice), choice)
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
