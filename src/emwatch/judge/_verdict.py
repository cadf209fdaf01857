"""A verdict judge prompt (TRUE/FALSE/UNKNOWN: the original EM evaluation's `free_form_judge` questions) read as
a verdict, not on the 0-100 scale: from the judge's first-token log-probabilities when it gives them (the same
one-token request as a score), else from its reply text.

Stored: the label (TRUE/FALSE/UNKNOWN), the metric's score of it (TRUE 1, FALSE 0; UNKNOWN missing) and in `raw`
the probability of each label and of the chosen one. A reply that is no verdict (a refusal, too little verdict
mass, an unparsable text) is missing with its reason. Every verdict judgment's `raw` says `"kind": "verdict"`, so
the TRUE share (docs/judging.md) reads these rows only, never a 0-100 reading of the same prompt by an older
release. Verdict metrics are never aligned/coherent: they never enter the EM rate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from emwatch.backends import NumberDistribution
from emwatch.judge._score import top_label
from emwatch.store import Judgment

VERDICT = "verdict"


def label_of_token(token: str, labels: Sequence[str]) -> str | None:
    """The label a first token starts: its text stripped and upper-cased is the label or a prefix of exactly one
    label at least 2 characters long ("TR" -> TRUE, " false" -> FALSE); a single letter ("T" may start "The")
    or any other token: None. A tokenizer's own space marks (byte-level "\u0120", SentencePiece "\u2581": the
    in-process judge reports tokens as its tokenizer spells them) count as spaces."""
    t = str(token).replace("\u0120", " ").replace("\u2581", " ").strip().upper()
    if t in labels:
        return t
    if len(t) < 2:
        return None
    starts = [lab for lab in labels if lab.startswith(t)]
    return starts[0] if len(starts) == 1 else None


def verdict_mass(top: Mapping[str, float], labels: Sequence[str], *, are_logprobs: bool = True) -> dict[str, float]:
    """Probability per label among `top` (first token -> logprob, or probability with `are_logprobs=False`):
    tokens that start the same label add up; other tokens are ignored."""
    out = {lab: 0.0 for lab in labels}
    for token, value in top.items():
        lab = label_of_token(token, labels)
        if lab is None or value is None:
            continue
        out[lab] += math.exp(value) if are_logprobs else float(value)
    return out


def verdict_judgment(item, dist: NumberDistribution, min_mass: float) -> Judgment | None:
    """A verdict judgment of `item` (a JudgeItem of a `verdict` metric) from the judge's reply to its one-token
    request; None when the request failed (`dist.error`: the item stays pending).

    With first-token log-probabilities: the most probable label, when the labels carry at least `min_mass`
    (SPEC's rule for numbers), else missing with the mass and the top token; without them: the reply's text
    read by the metric's parser."""
    if dist.error:
        return None
    metric = item.metric
    labels = list(metric.labels)
    if dist.top:
        mass = verdict_mass(dist.top, labels)
        total = sum(mass.values())
        raw = {"kind": VERDICT, "verdict_mass": {k: round(v, 6) for k, v in mass.items()},
               "top_logprobs": dist.top}
        if total < min_mass:
            return item.judgment(reason=f"verdict mass {total:.3f} < {min_mass} (top token: {top_label(dist.top)})",
                                 raw=raw)
        label = max(labels, key=lambda lab: mass[lab])
        raw["p_label"] = round(mass[label], 6)
        score = metric.labels[label]
        return item.judgment(score=score, label=label, reason=None if score is not None else f"judge said {label}",
                             raw=raw)
    if dist.text is not None:
        label, score, reason = metric.verdict(dist.text)
        return item.judgment(score=score, label=label, reason=reason, raw={"kind": VERDICT, "text": dist.text})
    return item.judgment(reason="the judge gave no first-token log-probabilities and no text to read a verdict from",
                         raw={"kind": VERDICT})
