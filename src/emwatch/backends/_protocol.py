"""The one interface every generation backend implements, and the records that cross it.

`Backend` is what the Runner drives: `name`, `spec` (the BackendSpec it was built from, or None),
batch `generate` / `score_numbers`, and `close`. A backend that answers one request at a time over the
network also implements `AsyncBackend` (`agenerate_one` / `ascore_one`), and the Runner then keeps
`max_concurrency` of those in flight instead of calling the batch methods. `BackendBase` and
`AsyncBackendBase` give the defaults (no spec, nothing to close, the batch methods of an async backend).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

from emwatch.config import BackendSpec


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt to answer. `messages` are chat messages; a trailing assistant message is a prefill."""

    messages: tuple[dict[str, str], ...]
    max_new_tokens: int = 300
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    adapter: str | None = None  # a LoRA checkpoint folder (hf) or served adapter name (openai)
    # settings that change the rendered prompt (see backends._chat.template_kwargs); None: the template's default
    enable_thinking: bool | None = None
    reasoning_effort: str | None = None
    template_date: str | None = None

    def sampling(self) -> dict[str, Any]:
        return {"max_new_tokens": self.max_new_tokens, "temperature": self.temperature,
                "top_p": self.top_p, "seed": self.seed}

    def template(self) -> dict[str, Any]:
        """Keyword arguments of render_prompt."""
        return {"template_date": self.template_date, "enable_thinking": self.enable_thinking,
                "reasoning_effort": self.reasoning_effort}


@dataclass
class Generation:
    """`text` is the final answer (what the judge reads); a reasoning model's thoughts are in `reasoning`,
    and `missing` says why there is no answer (e.g. cut off inside reasoning; `text` is then empty)."""

    text: str
    prompt: str | None = None  # the rendered prompt (chat template applied), when the backend knows it
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    reasoning: str | None = None
    missing: str | None = None


@dataclass(frozen=True)
class ScoreRequest:
    """A judge prompt whose reply should be a number 0..100 (or a word such as CODE/REFUSAL)."""

    messages: tuple[dict[str, str], ...]
    adapter: str | None = None


@dataclass
class NumberDistribution:
    """The judge's probabilities for each reply 0..100, plus the top first tokens it considered.

    `probs` maps the number's text ("0".."100") to its probability as the complete reply.
    `top` keeps the raw top next-token candidates (token -> logprob) for the store.
    `text` is the parsed reply for generate-and-parse judges.
    """

    probs: dict[str, float] = field(default_factory=dict)
    top: dict[str, float] = field(default_factory=dict)
    text: str | None = None
    error: str | None = None


from emwatch.errors import BackendError, RetryableError  # noqa: E402  (re-exported)


@runtime_checkable
class Backend(Protocol):
    """What a generation backend implements. The Runner adds batching, concurrency, retries and progress."""

    name: str
    spec: BackendSpec | None  # batch size, concurrency and tries for Runner.for_spec; None: the Runner's defaults

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Answer a batch of requests, in order."""
        ...

    def score_numbers(self, requests: Sequence[ScoreRequest]) -> list[NumberDistribution]:
        """The probability of each reply 0..100 for a batch of judge prompts, in order."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class AsyncBackend(Backend, Protocol):
    """A Backend that also answers one request at a time as a coroutine; the Runner prefers these."""

    async def agenerate_one(self, request: GenerationRequest) -> Generation: ...

    async def ascore_one(self, request: ScoreRequest) -> NumberDistribution: ...


def missing_members(backend: object) -> list[str]:
    """The Backend members `backend` lacks (empty when it implements the protocol)."""
    members = ("name", "spec", "generate", "score_numbers", "close")
    return [m for m in members if not hasattr(backend, m)]


class BackendBase:
    """A base for backends: `spec` None unless set, nothing to close. Subclasses implement `generate` and
    `score_numbers` (a backend that cannot judge raises BackendError there)."""

    name: ClassVar[str] = "backend"
    spec: BackendSpec | None = None

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        raise NotImplementedError

    def score_numbers(self, requests: Sequence[ScoreRequest]) -> list[NumberDistribution]:
        raise NotImplementedError

    def close(self) -> None:
        return None


Req = TypeVar("Req")
Res = TypeVar("Res")


class AsyncBackendBase(BackendBase):
    """A base for async backends: implement `agenerate_one` and `ascore_one`; the batch methods run them
    all at once on a fresh event loop (the Runner calls the async methods itself, with its bound)."""

    async def agenerate_one(self, request: GenerationRequest) -> Generation:
        raise NotImplementedError

    async def ascore_one(self, request: ScoreRequest) -> NumberDistribution:
        raise NotImplementedError

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        return asyncio.run(_gather(self.agenerate_one, requests))

    def score_numbers(self, requests: Sequence[ScoreRequest]) -> list[NumberDistribution]:
        return asyncio.run(_gather(self.ascore_one, requests))


async def _gather(fn: Callable[[Req], Awaitable[Res]], items: Sequence[Req]) -> list[Res]:
    return list(await asyncio.gather(*(fn(x) for x in items)))
