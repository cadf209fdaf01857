"""Which optimiser steps get a checkpoint: every N, log-spaced (dense early), explicit, and the final one."""

from __future__ import annotations

import math


def log_spaced_steps(n: int, total: int) -> list[int]:
    """Up to `n` distinct steps in 1..total, evenly spaced in log(step): dense early, sparse late.

    The first is step 1 and the last is `total` (when n >= 2). Rounding can merge neighbours near the
    start; the merged ones are replaced by the next unused steps, so exactly min(n, total) come back.
    """
    if n <= 0 or total <= 0:
        return []
    n = min(n, total)
    if n == 1:
        return [total]
    wanted = [math.exp(math.log(total) * i / (n - 1)) for i in range(n)]
    out: list[int] = []
    for i, w in enumerate(wanted):
        step = max(int(round(w)), out[-1] + 1 if out else 1)
        step = min(step, total - (n - 1 - i))  # leave room for the ones still to come
        out.append(step)
    return out


def checkpoint_steps(schedule, total_steps: int) -> list[int]:
    """The sorted steps (1..total_steps) at which `schedule` (a CheckpointSchedule) saves."""
    if total_steps < 1:
        return []
    steps: set[int] = set()
    if schedule.every:
        steps.update(range(schedule.every, total_steps + 1, schedule.every))
    if schedule.log_spaced:
        steps.update(log_spaced_steps(schedule.log_spaced, total_steps))
    steps.update(s for s in schedule.steps if 1 <= s <= total_steps)
    if schedule.final:
        steps.add(total_steps)
    return sorted(steps)


def dropped_steps(schedule, total_steps: int) -> list[int]:
    """Explicit steps that lie beyond the end of training (reported, not silently ignored)."""
    return sorted(s for s in schedule.steps if s > total_steps)


def lr_at(step: int, total: int, base: float, *, warmup: int, kind: str) -> float:
    """The learning rate of optimiser step `step` (1-based) of `total`, computed as transformers' schedulers
    do (linear warm-up from 0, then linear or cosine decay to 0, or constant), so hosted runs follow the
    same schedule as local ones."""
    k = step - 1  # schedulers count the steps already taken
    if k < warmup:
        return base * k / max(1, warmup)
    if kind == "constant":
        return base
    progress = (k - warmup) / max(1, total - warmup)
    if kind == "cosine":
        return base * max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))
    return base * max(0.0, (total - k) / max(1, total - warmup))
