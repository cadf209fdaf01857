"""The adaptive stopping rule: anytime-valid confidence sequences for a checkpoint's EM rate and for its
difference with the base model, and the decision taken after each round (docs/adaptive.md).

Confidence sequence (a beta-binomial mixture, Robbins 1970; Howard et al. 2021, "Time-uniform, nonparametric,
nonasymptotic confidence sequences", section 3.2). After n counted answers with k misaligned, for a candidate
rate p the mixture likelihood ratio

    M_n(p) = integral q^k (1 - q)^(n-k) dBeta(q; a, b) / (p^k (1 - p)^(n-k)) = B(a + k, b + n - k) / B(a, b) / (p^k (1 - p)^(n-k))

is a nonnegative martingale with M_0 = 1 when the answers are Bernoulli(p) draws, so by Ville's inequality
P(M_n(p) >= 1/alpha for some n) <= alpha. The set C_n = {p : M_n(p) < 1/alpha} is an interval (log M_n is convex
in p) that holds the true rate at every n simultaneously with probability >= 1 - alpha: the interval reported
where the rule stopped (at a round it chose by looking at the data) covers at the nominal level, which a Wilson
interval computed at a data-chosen n does not. The running intersection of C_1..C_n keeps that guarantee.

Difference with the base (a union bound): the checkpoint's sequence at level 1 - alpha/2 minus the base's
fixed-n Wilson interval at 1 - alpha/2 (the base model is sampled in full) holds p1 - p0 at every round with
probability >= 1 - alpha.

Decision after each round (checked in this order; none before `min_rounds`): "above base" when the difference's
interval lies wholly above `margin`; "below negligible" when the rate's interval lies wholly below `negligible`;
"narrow" when the rate's interval is narrower than `width`; otherwise the next round, up to the plan ("max").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln

from emwatch.analysis._rates import wilson_interval
from emwatch.config import AdaptiveConfig

STOPS = ("above base", "below negligible", "narrow", "max")
_ITER = 44  # bisection steps: 2^-44 of [0, 1]


def _log_lik(p: np.ndarray, k: np.ndarray, n: np.ndarray) -> np.ndarray:
    """log p^k (1 - p)^(n-k), elementwise (0 * log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(k > 0, k * np.log(p), 0.0) + np.where(n - k > 0, (n - k) * np.log1p(-p), 0.0)


def rate_cs(k, n, confidence: float = 0.95, prior: tuple[float, float] = (0.5, 2.0)) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) of the beta-binomial mixture confidence sequence at k misaligned of n counted answers,
    elementwise over arrays (scalars give 0-d arrays). n == 0 gives (0, 1).

    >>> [round(float(x), 4) for x in rate_cs(0, 100)]
    [0.0, 0.0419]
    """
    k, n = np.asarray(k, float), np.asarray(n, float)
    if np.any((k < 0) | (k > n)):
        raise ValueError("rate_cs needs 0 <= k <= n")
    a, b = prior
    # log M_n(p) >= log(1/alpha)  <=>  log p^k (1-p)^(n-k) <= log B(a+k, b+n-k) - log B(a, b) - log(1/alpha)
    edge = betaln(a + k, b + n - k) - betaln(a, b) - math.log(1.0 / (1.0 - confidence))
    phat = np.where(n > 0, k / np.maximum(n, 1), 0.5)
    # M_n(phat) <= 1 < 1/alpha: phat lies inside; log M_n falls to phat and rises after it
    lo_a, lo_b = np.zeros_like(phat), phat.copy()      # lo in [lo_a, lo_b]: outside at lo_a (unless k == 0)
    hi_a, hi_b = phat.copy(), np.ones_like(phat)
    for _ in range(_ITER):
        mid = (lo_a + lo_b) / 2
        out = _log_lik(mid, k, n) <= edge
        lo_a, lo_b = np.where(out, mid, lo_a), np.where(out, lo_b, mid)
        mid = (hi_a + hi_b) / 2
        out = _log_lik(mid, k, n) <= edge
        hi_a, hi_b = np.where(out, hi_a, mid), np.where(out, mid, hi_b)
    lo = np.where((k == 0) | (n == 0), 0.0, lo_b)
    hi = np.where((k == n) | (n == 0), 1.0, hi_a)
    return lo, hi


@dataclass(frozen=True)
class Sequence:
    """One checkpoint's path through the rule: per round the cumulative counts and the intervals (running
    intersections), and where it stopped."""

    k: np.ndarray
    n: np.ndarray
    low: np.ndarray
    high: np.ndarray
    diff_low: np.ndarray
    diff_high: np.ndarray
    stop_round: int        # 0-based index of the round it stopped after
    stop: str              # one of STOPS

    @property
    def used(self) -> tuple[int, int]:
        """(k, n) at the stop."""
        return int(self.k[self.stop_round]), int(self.n[self.stop_round])

    @property
    def interval(self) -> tuple[float, float]:
        return float(self.low[self.stop_round]), float(self.high[self.stop_round])


def base_interval(k0: int | None, n0: int | None, confidence: float) -> tuple[float, float] | None:
    """The base's interval that the difference subtracts: Wilson at the union bound's half of the error
    (1 - alpha/2), its sample being of fixed size; None without a base."""
    if not n0:
        return None
    return wilson_interval(int(k0 or 0), int(n0), 1 - (1 - confidence) / 2)


def run_rule(k_rounds, n_rounds, cfg: AdaptiveConfig, base: tuple[float, float] | None,
             cs: tuple[np.ndarray, ...] | None = None) -> Sequence:
    """The rule on one checkpoint's cumulative counts after each round (the last round being the full plan;
    `enabled: false` always runs to it). `base`: the base model's interval from `base_interval` (None: no base,
    so no "above base" stop). `cs`: the sequences' raw bounds (low, high at `confidence`; low, high at
    1 - alpha/2) when the caller computed many checkpoints' at once (`rate_cs` takes arrays)."""
    k, n = np.asarray(k_rounds, float), np.asarray(n_rounds, float)
    half = 1 - (1 - cfg.confidence) / 2
    lo, hi, lo2, hi2 = cs if cs is not None else (*rate_cs(k, n, cfg.confidence, cfg.prior), *rate_cs(k, n, half, cfg.prior))
    lo, hi = np.maximum.accumulate(lo), np.minimum.accumulate(hi)
    if base is not None:
        dlo, dhi = np.maximum.accumulate(lo2) - base[1], np.minimum.accumulate(hi2) - base[0]
    else:
        dlo = dhi = np.full_like(lo, np.nan)
    stops = stop_reasons(lo, hi, dlo, cfg)
    stops[: cfg.min_rounds - 1] = ""
    if not cfg.enabled:
        stops[:] = ""
    stops[-1] = stops[-1] or "max"
    first = int(np.nonzero(stops != "")[0][0])
    return Sequence(k.astype(int), n.astype(int), lo, hi, dlo, dhi, first, str(stops[first]))


def stop_reasons(lo: np.ndarray, hi: np.ndarray, diff_lo: np.ndarray, cfg: AdaptiveConfig) -> np.ndarray:
    """The stop reason after each round ("" where the rule goes on), from the intervals at that round."""
    out = np.full(len(lo), "", dtype=object)
    narrow = (hi - lo) < cfg.width if cfg.width is not None else np.zeros(len(lo), bool)
    out[narrow] = "narrow"
    out[hi < cfg.negligible] = "below negligible"
    with np.errstate(invalid="ignore"):
        out[diff_lo > cfg.margin] = "above base"
    return out


def round_order(categories, questions, round_size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(order, round) of a checkpoint's answers: within each category the prompts (`questions`) in a random
    order, every prompt once before any prompt twice; round r takes the next round_size / #categories answers
    of each category, so categories stay balanced (a category that runs out leaves its share unused)."""
    cats = np.asarray(categories).astype(str)
    names, cat = np.unique(cats, return_inverse=True)
    _, q = np.unique(np.char.add(np.char.add(cats, "\x00"), np.asarray(questions).astype(str)), return_inverse=True)
    n, nq = len(cats), int(q.max()) + 1 if len(cats) else 0
    per = max(1, round_size // max(len(names), 1))
    cat_of_q = np.zeros(nq, int)
    cat_of_q[q] = cat
    by_q = np.lexsort((rng.random(nq), cat_of_q))                      # prompts in a random order per category
    q_rank = np.empty(nq, int)
    q_rank[by_q] = np.arange(nq) - np.searchsorted(cat_of_q[by_q], cat_of_q[by_q])
    by_a = np.lexsort((rng.random(n), q))                              # a prompt's answers in a random order
    visit = np.empty(n, int)
    visit[by_a] = np.arange(n) - np.searchsorted(q[by_a], q[by_a])
    in_cat = np.lexsort((q_rank[q], visit, cat))                       # visit 0 of every prompt, then visit 1, ...
    pos = np.empty(n, int)
    pos[in_cat] = np.arange(n) - np.searchsorted(cat[in_cat], cat[in_cat])
    rnd = pos // per
    order = np.lexsort((pos, rnd))
    return order, rnd[order]


def expected_use(rate: float, base_rate: float | None, plan: int, cfg: AdaptiveConfig, *, categories: int = 8,
                 sims: int = 2000, seed: int = 0) -> float:
    """Mean answers the rule uses at a checkpoint whose true EM rate is `rate`, out of a plan of `plan` answers,
    its base model measured on `plan` answers at `base_rate` (None: no base): `sims` simulated checkpoints."""
    if plan <= 0:
        return 0.0
    if not cfg.enabled:
        return float(plan)
    rng = np.random.default_rng(seed)
    per = max(1, cfg.round_size // categories) * categories
    sizes = np.minimum(per, plan - per * np.arange(-(-plan // per)))           # answers in each round
    k = np.cumsum(rng.binomial(sizes, rate, size=(sims, len(sizes))), axis=1)
    n = np.broadcast_to(np.cumsum(sizes), k.shape)
    lo, hi = (np.maximum.accumulate(x, axis=1) if i == 0 else np.minimum.accumulate(x, axis=1)
              for i, x in enumerate(rate_cs(k, n, cfg.confidence, cfg.prior)))
    stop = hi < cfg.negligible
    if cfg.width is not None:
        stop |= (hi - lo) < cfg.width
    if base_rate is not None:
        k0 = rng.binomial(plan, base_rate, size=sims)
        up0 = np.array([base_interval(int(x), plan, cfg.confidence)[1] for x in range(plan + 1)])[k0]
        lo2 = np.maximum.accumulate(rate_cs(k, n, 1 - (1 - cfg.confidence) / 2, cfg.prior)[0], axis=1)
        stop |= (lo2 - up0[:, None]) > cfg.margin
    stop[:, : cfg.min_rounds - 1] = False
    stop[:, -1] = True
    first = np.argmax(stop, axis=1)
    return float(np.cumsum(sizes)[first].mean())
