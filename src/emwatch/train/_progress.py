"""A rich progress line per run: steps done of total, latest loss, held-out loss, elapsed time and ETA."""

from __future__ import annotations


class StepProgress:
    def __init__(self, label: str, total: int, done: int = 0):
        from rich.progress import (
            BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("steps"),
            TextColumn("loss {task.fields[loss]}"), TextColumn("held-out {task.fields[heldout]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
        )
        self.progress.start()
        self.task = self.progress.add_task(label, total=total, completed=done, loss="-", heldout="-")

    def update(self, step: int | None = None, *, loss: float | None = None, heldout: float | None = None) -> None:
        fields = {}
        if loss is not None:
            fields["loss"] = f"{loss:.4f}"
        if heldout is not None:
            fields["heldout"] = f"{heldout:.4f}"
        if step is not None:
            fields["completed"] = step
        self.progress.update(self.task, **fields)

    def stop(self) -> None:
        self.progress.stop()
