"""The one interface every generation backend implements, and the records that cross it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt to answer. `messages` are chat messages; a trailing assistant message is a prefill."""

    messages: tuple[dict[str, str], ...]
    max_new_tokens: int = 300
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int | None = None
    adapter: str | None = None  # a LoRA checkpoint folder (hf) or served adapter name (openai)

    def sampling(self) -> dict[str, Any]:
        return {"max_new_tokens": self.max_new_tokens, "temperature": self.temperature,
                "top_p": self.top_p, "seed": self.seed}


@dataclass
class Generation:
    text: str
    prompt: str | None = None  # the rendered prompt (chat template applied), when the backend knows it
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None


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

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        """Answer a batch of requests, in order."""
        ...

    def score_numbers(self, requests: Sequence[ScoreRequest]) -> list[NumberDistribution]:
        """The probability of each reply 0..100 for a batch of judge prompts, in order."""
        ...

    def close(self) -> None: ...
