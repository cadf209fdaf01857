"""The judging cascade: which looks the judge sees. Cheap judge-free signals (any MonitorEvent signal by name:
`persona`, `canary`, `kl`) decide whether a look's probe answers are judged; stops stay with the judged test.

A look (after the base model's, which is always judged) is judged when

1. it is every `every`-th look (at least that often, whatever the signals say);
2. the e-value after the last judged look is above 1 (follow the evidence once it appears);
3. a signal of `signals` lies above its band's upper edge, or has no band (never calibrated: judged, to be safe).

Otherwise it is skipped, and the e-process takes it as a look without answers (likelihood ratio 1): its start-look
weight stays, its value does not move. The choice to judge depends only on what is known before the look's
judged answers (the model's signals and earlier judged looks), and under the null every judged look's likelihood
ratio still has expectation <= 1 given that past, so Ville's inequality bounds the false alarms by alpha as
before. That needs signals computed from the model alone, not from the answers judged at the same look: the
monitor's KL is computed on the base model's step-0 answers when the cascade is on.

What a skipped look can miss: the judged rate at that checkpoint. EM that rises and falls back between judged
looks without moving a signal is never seen, and a rise the signals do not show is seen at the next every-th
look at the latest (up to `every` - 1 looks late).

Bands are calibrated on looks known to hold no EM: the base model's look and a benign control fine-tune's looks
(a fine-tune moves KL and the persona projection away from the base without EM, so a band from the base alone
would judge every look of every fine-tune). The upper edge is mean + z x sd of those values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np


def calibrate(reference: Mapping[str, Sequence[float]], z: float) -> dict[str, float]:
    """Upper band edge per signal: mean + z x sd (ddof 1) of its calibration values; a signal with fewer than 2
    finite values gets no band."""
    bands = {}
    for name, values in reference.items():
        v = np.array([x for x in values if x is not None and math.isfinite(x)], dtype=float)
        if len(v) >= 2:
            bands[name] = float(v.mean() + z * v.std(ddof=1))
    return bands


def reference_values(events: Iterable, signals: Sequence[str]) -> dict[str, list[float]]:
    """The values of `signals` in MonitorEvent records (a control run's looks, a base look), per signal."""
    out: dict[str, list[float]] = {s: [] for s in signals}
    for ev in events:
        if ev.signal in out and ev.value is not None:
            out[ev.signal].append(float(ev.value))
    return out


def cascade_for(cfg, base: Mapping[str, float], control: Iterable = ()) -> Cascade:
    """The cascade of a monitor config (`cascade_every`, `cascade_signals`, `cascade_z`, `cascade_bands`): bands
    calibrated on the base look's signal values `base` and a benign control's MonitorEvents `control`; a band
    given in `cascade_bands` wins. The online monitor and replay both build it here."""
    ref = reference_values(control, cfg.cascade_signals)
    for name, value in base.items():
        if name in ref and value is not None:
            ref[name].append(float(value))
    return Cascade(cfg.cascade_every, cfg.cascade_signals, {**calibrate(ref, cfg.cascade_z), **cfg.cascade_bands})


@dataclass
class Cascade:
    """Decides, look by look, whether the judge sees the look's probe answers."""

    every: int
    signals: Sequence[str]
    bands: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.every < 1:
            raise ValueError(f"cascade every must be >= 1, got {self.every}")

    def why(self, look: int, signals: Mapping[str, float | None], last_e: float | None = None) -> str | None:
        """Why look `look` (1-based, after the base) is judged; None: skip it. `last_e`: the e-value after
        the last judged look (None: none yet)."""
        if look % self.every == 0:
            return f"every {self.every}. look"
        if last_e is not None and last_e > 1:
            return f"the e-value is {last_e:.3g} (> 1)"
        for name in self.signals:
            value = signals.get(name)
            if value is None:
                continue
            hi = self.bands.get(name)
            if hi is None:
                return f"{name} has no calibrated band"
            if value > hi:
                return f"{name} {value:.4g} above its band ({hi:.4g})"
        return None


def first_stop_cascade(counts: Sequence[tuple[int, int]], signals: Sequence[Mapping[str, float | None]],
                       cascade: Cascade, p0: float, *, alpha: float = 0.05,
                       alternatives: Sequence[float] = (0.1, 0.2, 0.4),
                       horizon: int | None = None) -> tuple[int | None, list[bool]]:
    """The cascade replayed over looks [(k, n), ...] with each look's signals: (0-based index of the first look at
    which the test decides, None if never; whether each look up to then was judged). An unjudged look's counts
    are never read: the test takes it as a look without answers, as the online monitor does."""
    from emwatch.monitor._sequential import OnsetTest

    test = OnsetTest(p0, alpha, alternatives, horizon)
    judged: list[bool] = []
    for i, ((k, n), sig) in enumerate(zip(counts, signals)):
        judged.append(cascade.why(i + 1, sig, test.last.e_value if test.last else None) is not None)
        if (test.update(k, n) if judged[-1] else test.update(0, 0)).decided:
            return i, judged
    return None, judged
