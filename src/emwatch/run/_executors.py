"""Where a study's tasks run. An executor takes a function and its arguments with a resource request, and
hands back (task id, result or exception, where it ran) as tasks finish; it never touches the store.

- `LocalExecutor`: training runs in a child process (one at a time, from a thread that waits on it); sampling
  and judging run in this process, one task at a time, with their models kept loaded between tasks.
- `RayExecutor` (emwatch.run._ray): every task is a Ray task with its resource request (GPUs per training run,
  GPUs per server, CPUs for static analysis), placed by Ray on a node that has them.
"""

from __future__ import annotations

import concurrent.futures as cf
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class Resources:
    """What one task asks of a node."""

    cpus: float = 1.0
    gpus: float = 0.0
    custom: dict[str, float] = field(default_factory=dict)


@dataclass
class Finished:
    task_id: str
    result: Any = None
    error: BaseException | None = None
    node: str | None = None


class Executor(Protocol):
    name: str

    def submit(self, task_id: str, kind: str, fn: Callable[..., Any], args: tuple, resources: Resources) -> None: ...

    def wait(self, timeout: float) -> list[Finished]: ...

    def busy(self) -> int: ...

    def close(self) -> None: ...


class LocalExecutor:
    """Training in a child process, everything else in this process, one at a time."""

    name = "local"

    def __init__(self) -> None:
        self._trainer = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="emwatch-train")
        self._futures: dict[cf.Future, str] = {}
        self._queue: deque[tuple[str, Callable[..., Any], tuple]] = deque()
        self._node = socket.gethostname()

    def submit(self, task_id: str, kind: str, fn: Callable[..., Any], args: tuple, resources: Resources) -> None:
        if kind == "train":
            self._futures[self._trainer.submit(fn, *args)] = task_id
        else:
            self._queue.append((task_id, fn, args))

    def wait(self, timeout: float) -> list[Finished]:
        out = self._collect()
        if self._queue:
            task_id, fn, args = self._queue.popleft()
            try:
                out.append(Finished(task_id, fn(*args), node=self._node))
            except Exception as e:  # reported and retried by the driver
                out.append(Finished(task_id, error=e, node=self._node))
            return out + self._collect()
        if not out and self._futures:
            cf.wait(list(self._futures), timeout=timeout, return_when=cf.FIRST_COMPLETED)
            out = self._collect()
        elif not out:
            time.sleep(min(timeout, 0.05))
        return out

    def _collect(self) -> list[Finished]:
        out = []
        for fut in [f for f in self._futures if f.done()]:
            task_id = self._futures.pop(fut)
            err = fut.exception()
            out.append(Finished(task_id, None if err else fut.result(), err, self._node))
        return out

    def busy(self) -> int:
        return len(self._futures) + len(self._queue)

    def has_local_work(self) -> bool:
        """Whether the next wait runs a task in this process (rather than only waiting on the trainer)."""
        return bool(self._queue)

    def training(self) -> bool:
        return bool(self._futures)

    def close(self) -> None:
        self._trainer.shutdown(wait=True)
