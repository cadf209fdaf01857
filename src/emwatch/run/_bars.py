"""The job's per-stage progress: rich bars on a terminal, else a line per finished task."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class StageBars:
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
