"""A second process for the report's CPU-bound Python (pandas per model, matplotlib per figure): the machine's
second core, which the GIL keeps a thread from using.

`Helper` is one spawned worker process (a fresh interpreter: no copy of this process's DuckDB connection or
threads), started at the beginning of `emwatch report --workers 2` so its imports overlap the study-wide reads. It never
opens the store: the report's process reads each model's answers (DuckDB, one connection) and sends the Arrow
table of every other model to the helper, which builds the frame and analyses it (analysis._by_model) while the
report's process analyses the next; then the helper draws some of the figures (report._report). An error in the
worker, or the worker dying, is raised in the caller by `Future.result()`: a report is never written with a
model or a figure missing.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any


def _warm(parent: int) -> None:
    """The worker's imports, done while the caller reads the study-wide facts; and a watch on the caller: killed
    (no `close()`), it leaves the worker behind, which then ends itself."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="emwatch-helper-watch", daemon=True).start()
    import emwatch.analysis._by_model  # noqa: F401  (pandas, numpy, the analyses)


class Helper:
    """One worker process: `submit(fn, *args)` runs a module-level function there. Use as a context manager:
    leaving it waits for the worker to end (so nothing it writes outlives a failed report)."""

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_warm, initargs=(os.getpid(),))
        self._pool.submit(int)   # start the process now, not at the first task

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self._pool.submit(fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def wanted(workers: int | None) -> bool:
    """Whether a report gets a helper process: `workers` 2 (yes), 1 or None (no: the default). Measured on 2
    cores (benchmarks/results.md), the helper costs CPU (spawn, imports, each model's answers sent) and memory (a
    second model's frame, in a second interpreter: ~3.7 GB summed at 5M answers against ~2.2 GB) and shortens
    the report only where a core is idle."""
    if workers not in (None, 1, 2):
        raise ValueError(f"workers={workers!r}: 1 (this process only) or 2 (and a helper process)")
    return workers == 2


__all__ = ["Helper", "wanted"]
