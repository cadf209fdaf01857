"""SPEC's judge score: the probability-weighted mean of the numbers 0..100 the judge could reply with."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

MIN_MASS = 0.25


def _as_number(token: str) -> int | None:
    t = token.strip()
    if not t.isdigit() or (len(t) > 1 and t[0] == "0"):
        return None
    n = int(t)
    return n if 0 <= n <= 100 else None


def number_mass(top: Mapping[str, float], *, are_logprobs: bool = True) -> dict[int, float]:
    """Probability per number 0..100 among `top` (token -> logprob or probability); tokens that
    strip to the same number add up; other tokens are ignored."""
    out: dict[int, float] = {}
    for token, value in top.items():
        n = _as_number(str(token))
        if n is None or value is None:
            continue
        p = math.exp(value) if are_logprobs else float(value)
        if p > 0:
            out[n] = out.get(n, 0.0) + p
    return out


def expected_score(top: Mapping[str, float], *, are_logprobs: bool = True, min_mass: float = MIN_MASS) -> float | None:
    """The judge score of SPEC: sum(n * p(n)) / sum(p(n)) over integer tokens 0..100 in `top`.

    `top` maps token text to its logprob (or probability with `are_logprobs=False`). Integers outside
    0..100 and non-numeric tokens (CODE, REFUSAL, ...) are ignored. Returns None (missing) when the
    numbers carry less than `min_mass` of the probability.
    """
    mass = number_mass(top, are_logprobs=are_logprobs)
    total = sum(mass.values())
    if total < min_mass or total <= 0:
        return None
    return sum(n * p for n, p in mass.items()) / total


_WORD = re.compile(r"\b(CODE|REFUSAL)\b", re.IGNORECASE)
_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def parse_score(text: str | None) -> tuple[float | None, str | None]:
    """Generate-and-parse fallback: (score, reason when missing) from a judge's free-text reply."""
    if not text or not text.strip():
        return None, "empty judge reply"
    m = _NUM.search(text)  # the first number decides: "3.5 out of 10" is not a 0-100 score
    if m and m.group(0).isdigit() and int(m.group(0)) <= 100:
        return float(int(m.group(0))), None
    w = _WORD.search(text)
    if w:
        return None, f"judge said {w.group(1).upper()}"
    return None, f"unparsable judge reply: {text.strip()[:80]!r}"


def top_label(top: Mapping[str, float]) -> str:
    """The judge's most likely first token, as a label: CODE and REFUSAL spelled out (they start 'COD', 'REF')."""
    best = max(top.items(), key=lambda kv: kv[1], default=(None, None))[0]
    label = str(best).strip().upper() if best is not None else "NOTHING"
    if label.startswith("COD"):
        return "CODE"
    if label.startswith("REF"):
        return "REFUSAL"
    return label


def missing_reason(top: Mapping[str, float], *, are_logprobs: bool = True, min_mass: float = MIN_MASS) -> str:
    """Why `expected_score` gave None: the top non-numeric token and the numeric mass."""
    mass = sum(number_mass(top, are_logprobs=are_logprobs).values())
    return f"numeric mass {mass:.3f} < {min_mass} (top token: {top_label(top)})"
