"""Properties that must hold for every input, checked with hypothesis: the judge score, number distributions,
Wilson and bootstrap intervals, content keys and config round-trips."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from emwatch.analysis._rates import bootstrap_pooled, wilson_interval
from emwatch.backends._numbers import expand_numbers, numbers_from_top
from emwatch.config import BackendSpec, JudgeConfig, SampleConfig, load_config
from emwatch.judge._score import expected_score, number_mass, parse_score
from emwatch.store._keys import canonical_json, content_key

FAST = settings(max_examples=100, deadline=None)
numbers = st.integers(0, 100).map(str)
words = st.sampled_from(["CODE", "REFUSAL", "the", " ", "1000", "-5", "07", "ok"])
probs = st.floats(1e-6, 1.0)


@FAST
@given(st.dictionaries(st.one_of(numbers, words), probs, min_size=1, max_size=25))
def test_judge_score_lies_within_the_numbers_it_averages(top):
    score = expected_score(top, are_logprobs=False, min_mass=0.0)
    mass = number_mass(top, are_logprobs=False)
    if not mass:
        assert score is None                      # no numbers: missing, never 0
    else:
        assert min(mass) - 1e-9 <= score <= max(mass) + 1e-9


@FAST
@given(st.dictionaries(numbers, probs, min_size=1, max_size=20), st.floats(0.01, 1.0))
def test_missing_exactly_when_numeric_mass_is_below_the_threshold(top, min_mass):
    total = sum(number_mass(top, are_logprobs=False).values())
    score = expected_score(top, are_logprobs=False, min_mass=min_mass)
    assert (score is None) == (total < min_mass)


@FAST
@given(st.dictionaries(numbers, probs, min_size=1, max_size=20), st.floats(0.1, 10.0))
def test_judge_score_ignores_the_scale_of_the_probabilities(top, factor):
    a = expected_score(top, are_logprobs=False, min_mass=0.0)
    b = expected_score({k: v * factor for k, v in top.items()}, are_logprobs=False, min_mass=0.0)
    assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@FAST
@given(st.dictionaries(numbers, st.floats(-20.0, 0.0), min_size=1, max_size=20))
def test_logprobs_and_probabilities_give_the_same_score(top):
    as_probs = {k: math.exp(v) for k, v in top.items()}
    a = expected_score(top, are_logprobs=True, min_mass=0.0)
    b = expected_score(as_probs, are_logprobs=False, min_mass=0.0)
    assert (a is None) == (b is None)
    if a is not None:
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


@FAST
@given(st.text(max_size=60))
def test_parse_score_is_a_number_in_range_or_missing_with_a_reason(text):
    score, reason = parse_score(text)
    assert (score is None) != (reason is None)
    if score is not None:
        assert 0 <= score <= 100 and score == int(score)


def _digit_model(seed: int):
    """A digit-by-digit tokenizer's judge: after each prefix, a random distribution over digits and an end token."""
    rng = np.random.default_rng(seed)
    cache: dict[str, dict[str, float]] = {}

    def top(prefix: str) -> dict[str, float]:
        if prefix not in cache:
            w = rng.dirichlet(np.ones(11))
            cache[prefix] = {**{str(d): math.log(w[d]) for d in range(10)}, "<end>": math.log(w[10])}
        return cache[prefix]

    async def dist(prefixes):
        return [top(p) for p in prefixes]

    return top, dist


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000))
def test_expanded_number_distribution_is_a_sub_probability_over_0_to_100(seed):
    top, dist = _digit_model(seed)
    probs = asyncio.run(expand_numbers(top(""), dist, min_prob=1e-6))
    assert probs and set(probs) <= {str(n) for n in range(101)}
    assert all(p >= 0 for p in probs.values()) and sum(probs.values()) <= 1 + 1e-9
    assert not any(len(k) > 1 and k.startswith("0") for k in probs)        # "07" is not a number


@FAST
@given(st.dictionaries(st.one_of(numbers, words), st.floats(-30.0, 0.0), max_size=20))
def test_numbers_from_top_keeps_only_0_to_100(top):
    got = numbers_from_top(top)
    assert set(got) <= {str(n) for n in range(101)}
    assert sum(got.values()) <= sum(math.exp(v) for v in top.values()) + 1e-9


@FAST
@given(st.integers(0, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_interval_holds_the_rate_and_stays_in_0_1(kn, confidence):
    k, n = kn
    lo, hi = wilson_interval(k, n, confidence)
    if n == 0:
        assert math.isnan(lo) and math.isnan(hi)
        return
    assert 0.0 <= lo <= k / n <= hi <= 1.0
    lo2, hi2 = wilson_interval(k, n, min(0.999, confidence + 0.005))
    assert lo2 <= lo + 1e-12 and hi2 >= hi - 1e-12                   # more confidence, wider interval
    mlo, mhi = wilson_interval(n - k, n, confidence)
    assert math.isclose(mlo, 1 - hi, abs_tol=1e-12) and math.isclose(mhi, 1 - lo, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 200), min_size=1, max_size=6).flatmap(
    lambda ns: st.tuples(st.tuples(*[st.integers(0, n) for n in ns]), st.just(ns))), st.integers(0, 2**32 - 1))
def test_bootstrap_interval_is_ordered_within_0_1(kn, seed):
    k, n = (np.array(x) for x in kn)
    lo, hi = bootstrap_pooled(k, n, 0.95, 200, np.random.default_rng(seed))
    assert 0.0 <= lo <= hi <= 1.0
    if k.sum() == 0 or (k == n).all():
        assert lo == hi == k.sum() / n.sum()                          # no variation to resample


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                           max_leaves=10)


@FAST
@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_content_key_ignores_key_order_and_depends_on_content(d):
    reordered = dict(reversed(list(d.items())))
    assert content_key("t", d) == content_key("t", reordered)
    assert canonical_json(d) == canonical_json(reordered)
    assert len(content_key("t", d)) == 24
    assert content_key("t", d) != content_key("u", d)                 # the table is part of the key
    assert content_key("t", d, 1) != content_key("t", d, 2)


@FAST
@given(st.text(max_size=10), st.text(max_size=10))
def test_content_key_parts_do_not_run_together(a, b):
    assume(a)
    assert content_key("t", a, b) != content_key("t", a[:-1], a[-1] + b)


backend_specs = st.builds(BackendSpec, kind=st.sampled_from(["openai", "transformers"]),
                          model=st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1,
                                        max_size=20),
                          max_concurrency=st.integers(1, 64), max_tries=st.integers(1, 10),
                          timeout_s=st.floats(0.1, 1e4), logprobs=st.booleans())


@FAST
@given(st.builds(JudgeConfig, backend=st.none() | backend_specs, min_mass=st.floats(0.01, 1.0),
                 static=st.booleans(), metrics=st.lists(st.sampled_from(["aligned", "coherent", "harmful"]),
                                                        min_size=1, unique=True)))
def test_judge_config_round_trips_through_yaml(tmp_path_factory, cfg):
    path = tmp_path_factory.mktemp("cfg") / "judge.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(), allow_unicode=True), encoding="utf-8")
    assert load_config(JudgeConfig, path) == cfg


@FAST
@given(st.builds(SampleConfig, samples=st.none() | st.integers(1, 50), max_new_tokens=st.integers(1, 4000),
                 temperature=st.floats(0, 2), top_p=st.floats(0.01, 1.0), seed=st.integers(-2**31, 2**31),
                 per_category=st.none() | st.integers(1, 30)))
def test_sample_config_round_trips_through_yaml(tmp_path_factory, cfg):
    path = tmp_path_factory.mktemp("cfg") / "sample.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump()), encoding="utf-8")
    assert load_config(SampleConfig, path) == cfg
