"""A second process for the report's CPU-bound Python (pandas per model, matplotlib per figure): the machine's
second core, which the GIL keeps a thread from using.

`Helper` is one spawned worker process (a fresh interpreter: no copy of this process's DuckDB connection or
threads), started at the beginning of `emwatch report` so its imports overlap the study-wide reads. It reads
the store file itself, read-only, beside this process's read-only connection (DuckDB lets any number of
processes read a file; a writer waits until both let go), so it is used only on a store opened read-only.
An error in the worker, or the worker dying, is raised in the caller by `Future.result()`; a report is never
written with a model or a figure missing.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

# below this many answers the worker's start (~1-2 s of imports) costs more than it saves
MIN_ANSWERS = 200_000


def _warm() -> None:
    """The worker's imports, done while the caller reads the study-wide facts."""
    import emwatch.analysis._by_model  # noqa: F401  (pandas, numpy, the analyses)


class Helper:
    """One worker process: `submit(fn, *args)` runs a module-level function there. Use as a context manager:
    leaving it waits for the worker to end (so nothing it writes outlives a failed report)."""

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_warm)
        self._pool.submit(int)   # start the process now, not at the first task

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def wanted(store: Any, workers: int | None) -> bool:
    """Whether `store`'s report gets a helper process: `workers` 2 (yes), 1 (no), None (yes on a read-only
    store of at least MIN_ANSWERS answers, on a machine with two cores or more)."""
    if workers is not None:
        if workers not in (1, 2):
            raise ValueError(f"workers={workers!r}: 1 (this process only) or 2 (and a helper process)")
        return workers == 2
    if (os.cpu_count() or 1) < 2 or not getattr(store, "read_only", False):
        return False
    n = store.query("SELECT count(*) AS n FROM samples")["n"].iloc[0]
    return int(n) >= MIN_ANSWERS


def split(items: Sequence[Any], here: Callable[[Any], Any], helper: Helper, there: Callable[..., Any],
          *args: Any) -> list[Any]:
    """`[here(x) for x in items]`, the work shared with the helper process: it takes items from the front
    (`there(x, *args)` in the worker, driven by a thread here that sends the next as soon as the last returns),
    this process from the back; the results in the order of `items`. An error on either side stops both after
    their running item and is raised here (the worker's first)."""
    left = deque(range(len(items)))
    lock = threading.Lock()
    stop = threading.Event()
    results: dict[int, Any] = {}
    failed: list[BaseException] = []

    def drive() -> None:
        try:
            while not stop.is_set():
                with lock:
                    if not left:
                        return
                    i = left.popleft()
                results[i] = helper.submit(there, items[i], *args).result()
        except BaseException as e:   # noqa: BLE001  (raised by the caller)
            failed.append(e)
            stop.set()

    driver = threading.Thread(target=drive, name="emwatch-helper", daemon=True)
    driver.start()
    try:
        while not stop.is_set():
            with lock:
                if not left:
                    break
                i = left.pop()
            results[i] = here(items[i])
    except BaseException:
        stop.set()
        raise
    finally:
        driver.join()
    if failed:
        raise failed[0]
    return [results[i] for i in range(len(items))]


__all__ = ["Helper", "MIN_ANSWERS", "split", "wanted"]
