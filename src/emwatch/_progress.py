"""Rich progress bars (counts, rate, ETA) for every step that can take more than a few seconds, from one
place: the stages' item bar (`progress_bar`), the Runner's bar (`new_progress`, or `progress_bar`) and the
training step bar (`StepProgress`, which adds the latest loss and held-out loss).

Every bar draws on stderr and only on a terminal; elsewhere (CI, a log file) it stays silent and prints
one line when it finishes.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any


def _console() -> Any:
    from rich.console import Console

    return Console(file=sys.stderr)


def new_progress(*extra: Any, unit: str = "", transient: bool = False) -> Any:
    """A rich Progress on stderr: description, bar, done/total [unit], `extra` columns, elapsed and ETA.
    Disabled (draws nothing) when stderr is not a terminal."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    console = _console()
    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               *([TextColumn(unit)] if unit else []), *extra,
               TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    return Progress(*columns, console=console, transient=transient, disable=not console.is_terminal)


class _Bar:
    def __init__(self, progress: Any = None, task_id: Any = None):
        self._p, self._t = progress, task_id

    def advance(self, n: int = 1) -> None:
        if self._p is not None:
            self._p.advance(self._t, n)

    def total(self, n: int) -> None:
        if self._p is not None:
            self._p.update(self._t, total=n)


@contextlib.contextmanager
def progress_bar(description: str, total: int | None, enabled: bool = True) -> Iterator[_Bar]:
    """A bar of `total` items; `.advance(n)` as they finish. A no-op when disabled; silent but for a last
    line when stderr is not a terminal."""
    if not enabled:
        yield _Bar()
        return
    with new_progress() as p:
        task = p.add_task(description, total=total)
        yield _Bar(p, task)
    if p.disable:
        print(f"{description}: done ({total} items)", file=sys.stderr)


class StepProgress:
    """A training run's bar: steps done of total, latest loss, held-out loss, elapsed time and ETA."""

    def __init__(self, label: str, total: int, done: int = 0):
        from rich.progress import TextColumn

        self.label = label
        self.fields = {"loss": "-", "heldout": "-"}
        self.progress = new_progress(TextColumn("loss {task.fields[loss]}"),
                                     TextColumn("held-out {task.fields[heldout]}"), unit="steps")
        self.progress.start()
        self.task = self.progress.add_task(label, total=total, completed=done, **self.fields)

    def update(self, step: int | None = None, *, loss: float | None = None, heldout: float | None = None) -> None:
        fields: dict[str, Any] = {}
        if loss is not None:
            fields["loss"] = f"{loss:.4f}"
        if heldout is not None:
            fields["heldout"] = f"{heldout:.4f}"
        self.fields.update(fields)
        if step is not None:
            fields["completed"] = step
        self.progress.update(self.task, **fields)

    def stop(self) -> None:
        self.progress.stop()
        if self.progress.disable:
            task = self.progress.tasks[0]
            print(f"{self.label}: {task.completed:g}/{task.total:g} steps, loss {self.fields['loss']}, "
                  f"held-out {self.fields['heldout']}", file=sys.stderr)


__all__ = ["StepProgress", "new_progress", "progress_bar"]
