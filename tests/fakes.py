"""An in-memory judge/generation backend for unit tests of the stages: every reply is scripted by a function of
the prompt, and every request is recorded, so a test can check what reached the backend."""

from __future__ import annotations

from collections.abc import Callable

from emwatch.backends import Generation, GenerationRequest, NumberDistribution, ScoreRequest


def last_user(messages) -> str:
    return next(m["content"] for m in reversed(messages) if m["role"] == "user")


class ScriptedBackend:
    """`answer(request) -> str` scripts generations; `judge(prompt_text) -> NumberDistribution` scripts scores."""

    def __init__(self, answer: Callable[[GenerationRequest], str] | None = None,
                 judge: Callable[[str], NumberDistribution] | None = None, name: str = "scripted") -> None:
        self.name = name
        self.spec = None
        self._answer = answer or (lambda r: f"answer to {last_user(r.messages)[:20]}")
        self._judge = judge or (lambda text: NumberDistribution(probs={"50": 1.0}))
        self.generated: list[GenerationRequest] = []
        self.scored: list[ScoreRequest] = []
        self.closed = False

    def generate(self, requests):
        self.generated += list(requests)
        return [Generation(text=self._answer(r), prompt="<rendered>" + last_user(r.messages), prompt_tokens=5,
                           completion_tokens=3, finish_reason="stop") for r in requests]

    def score_numbers(self, requests):
        self.scored += list(requests)
        return [self._judge(last_user(r.messages)) for r in requests]

    def close(self):
        self.closed = True
