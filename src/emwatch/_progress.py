"""Rich progress bars (counts, rate, ETA) for every step that can take more than a few seconds."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)


class _Bar:
    def __init__(self, progress: Progress | None, task_id=None):
        self._p, self._t = progress, task_id

    def advance(self, n: int = 1) -> None:
        if self._p is not None:
            self._p.advance(self._t, n)

    def total(self, n: int) -> None:
        if self._p is not None:
            self._p.update(self._t, total=n)


@contextlib.contextmanager
def progress_bar(description: str, total: int | None, enabled: bool = True) -> Iterator[_Bar]:
    """A progress bar on stderr; a no-op when disabled or when stderr is not a terminal and not forced."""
    if not enabled:
        yield _Bar(None)
        return
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn())
    from rich.console import Console

    console = Console(file=sys.stderr)
    with Progress(*columns, console=console, transient=False, disable=not console.is_terminal) as p:
        task = p.add_task(description, total=total)
        yield _Bar(p, task)
    if not console.is_terminal:
        print(f"{description}: done ({total} items)", file=sys.stderr)
