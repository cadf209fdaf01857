"""The job's commit path: the driver's one write connection to the store, held through a burst of plans and
commits and let go (`_release`) while workers work, so `emwatch status`, `analyze` and `report` can read the
store between bursts; finished pieces' records batched and committed with the tasks' new states (`_flush`);
after each commit, a snapshot of what `emwatch status` shows, written beside the store (run/_status.py), which
`status` prints while the job holds the file."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from emwatch.run._status import adaptive_status, status_rows, store_files_state, write_snapshot
from emwatch.store import Store, Task


class StoreHolder:
    """Mixed into `Job`: the store held while planning and committing, let go while workers work. The class
    using it keeps `states` (every task's state) and `live` (tasks not done, by key, each with a `.task`)."""

    states: dict[str, Task]
    live: dict[str, Any]

    def _init_commit(self, store_path: Path, *, hold_s: float = 1.5, gap_s: float = 0.05,
                     batch_records: int = 50_000) -> None:
        self.store_path, self.hold_s, self.gap_s = Path(store_path), hold_s, gap_s
        self._released_at = 0.0
        self.hold_ratio, self.hold_max_s = 4.0, 10.0
        self._cycle_s = self._last_cycle_s = 0.0  # what taking the store and letting it go cost (see _release)
        self._first_write = False
        self._store: Store | None = None
        self._held = False
        self._unwritten: dict[str, Task] = {}  # task states to write with the next commit
        self._batch: list = []                 # records of finished pieces, committed with the next commit
        self._batch_cks: set[str] = set()      # checkpoints whose answers are in the batch
        self._new_cks: set[str] = set()        # checkpoints with no answer stored when this job planned them
        self._fresh_cks: set[str] = set()      # ... whose answers all went in as new rows: none has a judgment
        self.batch_records = batch_records
        self._opened_at = 0.0
        self._snap_rows: tuple | None = None   # the last status snapshot's rows (run/_status.py), and the store
        self._snap_state: list | None = None   # files' state it was written at
        self.snapshot_s, self.snapshots = 0.0, 0  # seconds spent writing status snapshots, and how many

    @contextlib.contextmanager
    def store(self) -> Iterator[Store]:
        """The driver's write connection, opened on first use and kept through a burst of plans and commits
        (opening a store costs a schema check); `_release` lets it go, so readers get their turn."""
        if self._store is None:  # the schema is checked once per job; a later burst only reconnects
            self._store = Store(self.store_path)
        if not self._held:
            gap = self._released_at + self.gap_s - time.time()
            if gap > 0:  # a reader waiting for the file (`emwatch status`) gets its turn between two bursts
                time.sleep(gap)
            t0 = time.perf_counter()
            self._store.con  # noqa: B018  (held until _release: one connection for the burst, not one per call)
            self._held, self._opened_at = True, time.time()
            self._cycle_s, self._first_write = time.perf_counter() - t0, True
            self._snapshot(self._store)  # the job's first hold: the store as committed, before a long first commit
        yield self._store
        self._snapshot(self._store)  # what the block committed (an `add` outside `_flush` included)

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
            self._snapshot(self._store)
            self._store.close()
            self._held, self._released_at = False, time.time()
            if self._snap_rows is not None:  # closing folds the log into the file: the same rows, as of now
                write_snapshot(self._store.path, *self._snap_rows)
                self._snap_state = store_files_state(self._store.path)
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
            self._snapshot(store)

    def _snapshot(self, store: Store) -> None:
        """After a commit (held, outside a transaction, so the rows are committed and nothing commits meanwhile):
        `emwatch status`'s rows written beside the store, when the store's files changed since the last one."""
        if not self._held or store._depth:
            return
        state = store_files_state(store.path)
        if state == self._snap_state:
            return
        t0 = time.perf_counter()
        self._snap_rows = (status_rows(store), adaptive_status(store))
        write_snapshot(store.path, *self._snap_rows)
        self._snap_state = state
        self.snapshot_s += time.perf_counter() - t0
        self.snapshots += 1
