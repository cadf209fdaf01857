"""The retry policy every backend call shares: exponential backoff with full jitter, a bounded number of tries.

Only `RetryableError` is retried. Anything else (a `BackendError` above all) propagates at once. When the
tries run out, `RetriesExhausted` (a `BackendError`) is raised carrying the last error's message.
The clock and the random source are injectable, so the policy is testable without waiting.

`CircuitBreaker` bounds a run of requests that fail for good (tries exhausted, or a refusal such as 401/403
or an exhausted quota): after `threshold` such failures in a row it raises `CircuitOpen`, so a stage that
records failures per request (the judge) stops instead of grinding through a dead server.
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


class CircuitOpen(BackendError):
    """Too many requests in a row failed for good: the service is down, refusing us, or out of quota."""

    def __init__(self, failures: int, last: BaseException):
        super().__init__(f"stopped after {failures} requests in a row failed; last error: {last}")
        self.failures = failures
        self.last = last


class CircuitBreaker:
    """Counts requests that failed for good since the last success; at `threshold` in a row, it opens.

    A success resets the count. Once open it stays open: every later `failure` or `check` raises again.
    """

    def __init__(self, threshold: int = 10) -> None:
        if threshold < 1:
            raise ValueError(f"threshold must be at least 1, got {threshold}")
        self.threshold = threshold
        self.in_a_row = 0
        self.total_failures = 0
        self.tripped: CircuitOpen | None = None

    def success(self) -> None:
        if self.tripped is None:
            self.in_a_row = 0

    def failure(self, error: BaseException, n: int = 1) -> None:
        """Note `n` requests that failed with `error`; raise CircuitOpen when the run reaches the threshold."""
        self.in_a_row += n
        self.total_failures += n
        if self.tripped is None and self.in_a_row >= self.threshold:
            self.tripped = CircuitOpen(self.in_a_row, error)
        self.check()

    def check(self) -> None:
        if self.tripped is not None:
            raise self.tripped


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
