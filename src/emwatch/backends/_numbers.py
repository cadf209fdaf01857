"""A judge's probability for each reply 0..100, from top-k next-token logprobs (SPEC "Judge score").

Two tokenizer families:
- whole-number tokens (OpenAI's): the integer tokens 0..100 among the top-20 first tokens ARE the distribution;
- digit-by-digit tokens (Qwen, Llama, ...): P("85") = P("8") * P("5" | "8") * P(end | "85"), where
  P(end | prefix) is the mass of every non-digit next token, 1 - sum of the digit tokens seen in the top-k.
  Digits outside the top-k count as "end", so the total over 0..100 never exceeds 1; prefixes less likely
  than `min_prob` are not expanded and their mass is left out (never guessed).
"""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Mapping

NUMBER = re.compile(r"^(0|[1-9][0-9]{0,2})$")
DIGITS = frozenset("0123456789")
DistFn = Callable[[list[str]], Awaitable[list[dict[str, float]]]]
"""Given reply prefixes (raw token text so far), the top-k next tokens (token -> logprob) after each."""


def _as_number(token: str) -> int | None:
    text = token.strip()
    return int(text) if NUMBER.match(text) else None


def numbers_from_top(top: Mapping[str, float]) -> dict[str, float]:
    """Probability of each integer token 0..100 (surrounding whitespace ignored) among `top` (token -> logprob)."""
    probs: dict[str, float] = {}
    for token, logprob in top.items():
        n = _as_number(token)
        if n is not None and n <= 100:
            probs[str(n)] = probs.get(str(n), 0.0) + math.exp(logprob)
    return probs


def has_multi_digit_numbers(top: Mapping[str, float]) -> bool:
    """True when some top token is a whole number of two or more digits: the tokenizer has number tokens."""
    return any((n := _as_number(t)) is not None and n >= 10 for t in top)


async def expand_numbers(first: Mapping[str, float], dist: DistFn, *, min_prob: float = 1e-4) -> dict[str, float]:
    """The exact probability of each number 0..100 as the complete reply, expanding digit by digit.

    `first` is the top-k of the reply's first token; `dist(prefixes)` gives the top-k after each prefix.
    One `dist` call per digit level (at most 3 after the first token).
    """
    probs: dict[str, float] = {}
    # frontier: raw prefix text -> its probability; the number it spells is the prefix stripped
    frontier: dict[str, float] = {}
    for token, logprob in first.items():
        p = math.exp(logprob)
        if token.strip() in DIGITS and p >= min_prob:
            frontier[token] = frontier.get(token, 0.0) + p
    while frontier:
        prefixes = list(frontier)
        nexts = await dist(prefixes)
        if len(nexts) != len(prefixes):
            raise ValueError(f"dist returned {len(nexts)} distributions for {len(prefixes)} prefixes")
        grown: dict[str, float] = {}
        for prefix, after in zip(prefixes, nexts):
            p, number = frontier[prefix], prefix.strip()
            digit_probs = {t: math.exp(lp) for t, lp in after.items() if t in DIGITS}
            end = max(0.0, 1.0 - sum(digit_probs.values()))
            probs[number] = probs.get(number, 0.0) + p * end
            if number == "0":
                continue  # "05" is not a number 0..100
            for digit, q in digit_probs.items():
                child = number + digit
                if int(child) <= 100 and p * q >= min_prob:
                    grown[prefix + digit] = p * q
        frontier = grown
    return probs
