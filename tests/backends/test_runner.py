"""Runner: input order, the concurrency bound, batching, retries with backoff, errors, progress."""

from __future__ import annotations

import asyncio
import random

import pytest

from emwatch.backends._protocol import (
    AsyncBackendBase,
    BackendBase,
    BackendError,
    Generation,
    GenerationRequest,
    NumberDistribution,
    RetryableError,
    ScoreRequest,
)
from emwatch.backends._retry import Backoff, RetriesExhausted, aretry_call, retry_call
from emwatch.backends._runner import Runner


def req(i: int) -> GenerationRequest:
    return GenerationRequest(messages=({"role": "user", "content": f"q{i}"},))


def sreq(i: int) -> ScoreRequest:
    return ScoreRequest(messages=({"role": "user", "content": f"q{i}"},))


class FakeAsync(AsyncBackendBase):
    """An async backend: answers echo the question; counts requests in flight; scripted failures."""

    name = "fake-async"

    def __init__(self, fail: dict[str, list[Exception]] | None = None, delay: float = 0.002):
        self.fail = {k: list(v) for k, v in (fail or {}).items()}
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0
        self.calls: list[str] = []

    async def _one(self, content: str) -> None:
        self.calls.append(content)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            # later questions finish sooner, so completion order differs from input order
            await asyncio.sleep(self.delay * (1 + (int(content[1:]) * 7) % 5))
            queued = self.fail.get(content)
            if queued:
                raise queued.pop(0)
        finally:
            self.in_flight -= 1

    async def agenerate_one(self, r: GenerationRequest) -> Generation:
        content = r.messages[0]["content"]
        await self._one(content)
        return Generation(text="answer to " + content)

    async def ascore_one(self, r: ScoreRequest) -> NumberDistribution:
        content = r.messages[0]["content"]
        await self._one(content)
        return NumberDistribution(probs={str(int(content[1:]) % 101): 1.0})

    def generate(self, requests):  # the protocol's sync form; the Runner must prefer the async one
        raise AssertionError("Runner should use agenerate_one")

    def score_numbers(self, requests):
        raise AssertionError("Runner should use ascore_one")

    def close(self) -> None:
        pass


class FakeBatch(BackendBase):
    """A sync batch backend (like hf): records the batch sizes it was given."""

    name = "fake-batch"

    def __init__(self, fail_batches: list[Exception] | None = None):
        self.batches: list[int] = []
        self.fail_batches = list(fail_batches or [])

    def generate(self, requests):
        self.batches.append(len(requests))
        if self.fail_batches:
            raise self.fail_batches.pop(0)
        return [Generation(text="answer to " + r.messages[0]["content"]) for r in requests]

    def score_numbers(self, requests):
        self.batches.append(len(requests))
        if self.fail_batches:
            raise self.fail_batches.pop(0)
        return [NumberDistribution(probs={"50": 1.0}) for _ in requests]

    def close(self) -> None:
        pass


class Sleeps:
    """Injected sleeps: record the waits, never wait."""

    def __init__(self):
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)


# ---- order, concurrency, batching ----

def test_async_results_come_back_in_input_order_with_bounded_concurrency():
    backend = FakeAsync()
    out = Runner(backend, max_concurrency=3).generate([req(i) for i in range(25)])
    assert [g.text for g in out] == [f"answer to q{i}" for i in range(25)]
    assert backend.max_in_flight == 3  # bounded, and actually concurrent
    assert sorted(backend.calls) == sorted(f"q{i}" for i in range(25))


def test_concurrency_one_is_sequential():
    backend = FakeAsync()
    Runner(backend, max_concurrency=1).score_numbers([sreq(i) for i in range(6)])
    assert backend.max_in_flight == 1


class MixWatcher(FakeAsync):
    """Records whether base-model and adapter requests were ever in flight at the same time."""

    def __init__(self):
        super().__init__()
        self.flying: list[str | None] = []
        self.mixed = False

    async def agenerate_one(self, r: GenerationRequest) -> Generation:
        self.flying.append(r.adapter)
        self.mixed |= len({a is None for a in self.flying}) > 1
        try:
            return await super().agenerate_one(r)
        finally:
            self.flying.remove(r.adapter)


@pytest.mark.parametrize("separate", [True, False])
def test_base_and_adapter_requests_run_in_separate_waves(separate: bool):
    reqs = [GenerationRequest(messages=({"role": "user", "content": f"q{i}"},), adapter=None if i % 2 else f"ck{i % 3}")
            for i in range(12)]
    backend = MixWatcher()
    out = Runner(backend, max_concurrency=4, separate_base=separate).generate(reqs)
    assert [g.text for g in out] == [f"answer to q{i}" for i in range(12)]
    assert backend.mixed is (not separate)


def test_sync_backend_gets_chunks_of_batch_size_in_order():
    backend = FakeBatch()
    out = Runner(backend, batch_size=4).generate([req(i) for i in range(10)])
    assert backend.batches == [4, 4, 2]
    assert [g.text for g in out] == [f"answer to q{i}" for i in range(10)]


def test_empty_input_makes_no_calls():
    backend = FakeBatch()
    assert Runner(backend).generate([]) == []
    assert backend.batches == []


def test_runner_works_from_inside_a_running_loop():
    backend = FakeAsync()

    async def main():
        sync_out = Runner(backend, max_concurrency=2).generate([req(i) for i in range(4)])
        async_out = await Runner(backend, max_concurrency=2).agenerate([req(i) for i in range(4, 8)])
        return sync_out + async_out

    out = asyncio.run(main())
    assert [g.text for g in out] == [f"answer to q{i}" for i in range(8)]


# ---- retries ----

def test_transient_errors_are_retried_with_backoff():
    sleeps = Sleeps()
    backend = FakeAsync(fail={"q2": [RetryableError("429 slow down"), RetryableError("503 busy")]})
    runner = Runner(backend, max_concurrency=4, max_tries=3, base_delay=0.5, max_delay=20,
                    async_sleep=sleeps.asleep, rng=random.Random(0))
    out = runner.generate([req(i) for i in range(5)])
    assert out[2].text == "answer to q2"
    assert backend.calls.count("q2") == 3
    assert len(sleeps.waits) == 2
    assert 0 <= sleeps.waits[0] <= 0.5 and 0 <= sleeps.waits[1] <= 1.0


def test_tries_are_bounded_and_the_last_message_is_kept():
    sleeps = Sleeps()
    backend = FakeAsync(fail={"q1": [RetryableError(f"503 busy #{k}") for k in range(10)]})
    runner = Runner(backend, max_tries=4, async_sleep=sleeps.asleep)
    with pytest.raises(RetriesExhausted, match=r"gave up after 4 tries; last error: 503 busy #3") as info:
        runner.generate([req(i) for i in range(3)])
    assert isinstance(info.value, BackendError)
    assert backend.calls.count("q1") == 4
    assert len(sleeps.waits) == 3


def test_a_backend_error_fails_at_once_and_stops_the_rest():
    backend = FakeAsync(fail={"q0": [BackendError("400 bad request: prompt too long")]})
    runner = Runner(backend, max_concurrency=2, max_tries=5, async_sleep=Sleeps().asleep)
    with pytest.raises(BackendError, match="prompt too long"):
        runner.generate([req(i) for i in range(40)])
    assert backend.calls.count("q0") == 1
    assert len(backend.calls) < 40  # the remaining requests were cancelled, not all sent


def test_score_errors_can_be_recorded_per_request():
    backend = FakeAsync(fail={"q1": [BackendError("400 context too long")]})
    out = Runner(backend, max_tries=2).score_numbers([sreq(i) for i in range(3)], errors="record")
    assert out[0].probs == {"0": 1.0} and out[2].probs == {"2": 1.0}
    assert out[1].probs == {} and "context too long" in out[1].error


def test_sync_batches_are_retried_with_the_injected_sleep():
    sleeps = Sleeps()
    backend = FakeBatch(fail_batches=[RetryableError("CUDA busy")])
    out = Runner(backend, batch_size=3, max_tries=2, sleep=sleeps, rng=random.Random(1)).score_numbers(
        [sreq(i) for i in range(5)])
    assert backend.batches == [3, 3, 2]
    assert len(out) == 5 and len(sleeps.waits) == 1


def test_sync_batch_that_returns_the_wrong_count_is_an_error():
    class Short(FakeBatch):
        def generate(self, requests):
            return super().generate(requests)[:-1]

    with pytest.raises(BackendError, match="returned 1 results for a batch of 2"):
        Runner(Short(), batch_size=2).generate([req(0), req(1)])


# ---- the backoff policy ----

class MaxRng:
    """A random source that always draws the top of the range (full jitter's upper bound)."""

    def uniform(self, a: float, b: float) -> float:
        return b


def test_backoff_caps_double_then_stop_at_max_delay():
    policy = Backoff(max_tries=10, base_delay=0.5, max_delay=3.0)
    assert [policy.cap(k) for k in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert [policy.delay(k, MaxRng()) for k in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_full_jitter_spreads_waits_over_the_whole_range():
    policy = Backoff(base_delay=1.0, max_delay=100.0)
    rng = random.Random(42)
    waits = [policy.delay(4, rng) for _ in range(2000)]
    assert min(waits) >= 0 and max(waits) <= 8.0
    assert min(waits) < 0.5 and max(waits) > 7.5  # full jitter, not "cap plus a little"


def test_retry_after_is_a_lower_bound_capped_by_max_delay():
    class ZeroRng:
        def uniform(self, a, b):
            return a

    err = RetryableError("429")
    err.retry_after = 2.5
    assert Backoff(max_delay=20).delay(1, ZeroRng(), err) == 2.5
    err.retry_after = 99
    assert Backoff(max_delay=20).delay(1, ZeroRng(), err) == 20


def test_retry_call_sync_and_async():
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) < 3:
            raise RetryableError("timeout")
        return "ok"

    sleeps = Sleeps()
    assert retry_call(flaky, Backoff(max_tries=3), sleep=sleeps) == "ok"
    assert len(attempts) == 3 and len(sleeps.waits) == 2

    async def never():
        raise ValueError("not retryable")

    with pytest.raises(ValueError):
        asyncio.run(aretry_call(never, Backoff(max_tries=5), sleep=sleeps.asleep))
    assert len(sleeps.waits) == 2  # no wait for a non-retryable error


def test_backoff_rejects_zero_tries():
    with pytest.raises(ValueError, match="max_tries"):
        Backoff(max_tries=0)


# ---- progress ----

def test_progress_counts_every_request():
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(file=open("/dev/null", "w")), disable=True)  # noqa: SIM115
    Runner(FakeAsync(), max_concurrency=4, progress=bar).generate([req(i) for i in range(9)], description="gen")
    Runner(FakeBatch(), batch_size=4, progress=bar).score_numbers([sreq(i) for i in range(6)])
    tasks = {t.description: t for t in bar.tasks}
    assert tasks["gen"].total == 9 and tasks["gen"].completed == 9
    assert tasks["judging"].total == 6 and tasks["judging"].completed == 6


def test_progress_true_is_silent_without_a_terminal(capsys):
    Runner(FakeAsync(), progress=True).generate([req(i) for i in range(3)])
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
