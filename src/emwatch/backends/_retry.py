"""The retry policy every backend call shares: exponential backoff with full jitter, a bounded number of tries.

Only `RetryableError` is retried. Anything else (a `BackendError` above all) propagates at once. When the
tries run out, `RetriesExhausted` (a `BackendError`) is raised carrying the last error's message.
The clock and the random source are injectable, so the policy is testable without waiting.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from emwatch.backends._protocol import BackendError, RetryableError

T = TypeVar("T")
log = logging.getLogger("emwatch.backends")


class RetriesExhausted(BackendError):
    """Every try failed with a transient error; `tries` and the last error are kept."""

    def __init__(self, tries: int, last: BaseException):
        super().__init__(f"gave up after {tries} tries; last error: {last}")
        self.tries = tries
        self.last = last


@dataclass(frozen=True)
class Backoff:
    """Full-jitter exponential backoff: after failed try k (1-based) wait uniform(0, min(max_delay, base * 2**(k-1)))."""

    max_tries: int = 6
    base_delay: float = 0.5
    max_delay: float = 20.0

    def __post_init__(self) -> None:
        if self.max_tries < 1:
            raise ValueError(f"max_tries must be at least 1, got {self.max_tries}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("base_delay and max_delay must not be negative")

    def cap(self, failed_tries: int) -> float:
        """The upper bound of the wait after `failed_tries` failures."""
        return min(self.max_delay, self.base_delay * 2.0 ** (failed_tries - 1))

    def delay(self, failed_tries: int, rng: random.Random, error: BaseException | None = None) -> float:
        """Seconds to wait before the next try. A server's Retry-After (error.retry_after) is a lower bound."""
        wait = rng.uniform(0.0, self.cap(failed_tries))
        hint = getattr(error, "retry_after", None)
        if isinstance(hint, (int, float)) and hint > 0:
            wait = max(wait, min(float(hint), self.max_delay))
        return wait


def _note(policy: Backoff, tries: int, error: BaseException, wait: float) -> None:
    log.info("transient error (try %d of %d), retrying in %.2f s: %s", tries, policy.max_tries, wait, error)


def retry_call(fn: Callable[[], T], policy: Backoff, *, sleep: Callable[[float], object] = time.sleep,
               rng: random.Random | None = None) -> T:
    """Call `fn` until it returns, retrying RetryableError with backoff; other errors propagate at once."""
    rng = rng or random.Random()
    for tries in range(1, policy.max_tries + 1):
        try:
            return fn()
        except RetryableError as error:
            if tries == policy.max_tries:
                raise RetriesExhausted(tries, error) from error
            wait = policy.delay(tries, rng, error)
            _note(policy, tries, error, wait)
            sleep(wait)
    raise AssertionError("unreachable")


async def aretry_call(fn: Callable[[], Awaitable[T]], policy: Backoff, *,
                      sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
                      rng: random.Random | None = None) -> T:
    """The async twin of `retry_call`: `fn` makes a fresh awaitable for each try."""
    rng = rng or random.Random()
    for tries in range(1, policy.max_tries + 1):
        try:
            return await fn()
        except RetryableError as error:
            if tries == policy.max_tries:
                raise RetriesExhausted(tries, error) from error
            wait = policy.delay(tries, rng, error)
            _note(policy, tries, error, wait)
            await sleep(wait)
    raise AssertionError("unreachable")
