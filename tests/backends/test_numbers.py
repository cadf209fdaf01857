"""Number distributions from top-k logprobs: the edges the mutation run showed untested (tools/mutate.py)."""

import asyncio
import math

import pytest

from emwatch.backends._numbers import expand_numbers, has_multi_digit_numbers, numbers_from_top


def _dist(table):
    calls = []

    async def dist(prefixes):
        calls.append(list(prefixes))
        return [{t: math.log(p) for t, p in table.get(x, {"<end>": 1.0}).items()} for x in prefixes]

    return dist, calls


def test_whole_number_tokens_add_up_and_stop_at_100():
    top = {"7": math.log(0.2), " 7": math.log(0.1), "7 ": math.log(0.05), "100": math.log(0.3), "101": math.log(0.2),
           "1000": math.log(0.1), "007": math.log(0.05)}
    assert numbers_from_top(top) == pytest.approx({"7": 0.35, "100": 0.3})
    assert has_multi_digit_numbers({"10": -1.0}) and has_multi_digit_numbers({" 100": -1.0})
    assert not has_multi_digit_numbers({"9": -0.1, "09": -0.2, "0": -0.3, "1000": -0.4})


def test_a_prefix_at_exactly_min_prob_is_expanded_and_below_it_is_not():
    first = {"4": math.log(0.5), "6": math.log(0.25), "9": math.log(0.2)}
    dist, calls = _dist({"4": {"2": 0.5, "<end>": 0.5}})
    probs = asyncio.run(expand_numbers(first, dist, min_prob=0.25))
    # "4" (0.5), "6" (0.25) and "42" (0.5 * 0.5) are at or above the limit and expanded; "9" (0.2) is not
    assert probs == pytest.approx({"4": 0.25, "6": 0.25, "42": 0.25})
    assert sorted(calls[0]) == ["4", "6"] and calls[1:] == [["42"]]


def test_end_mass_never_goes_negative_and_digits_past_100_end_the_reply():
    first = {"1": 0.0}  # log 1: the reply starts with "1" for sure
    dist, _ = _dist({"1": {"0": 0.7, "5": 0.6}, "10": {"0": 1.0}, "100": {"7": 1.0}})
    probs = asyncio.run(expand_numbers(first, dist, min_prob=1e-9))
    # digit tokens summing past 1 leave no end mass (not a negative one); "1007" is past 100, not a number
    assert probs["1"] == 0.0 and probs["10"] == pytest.approx(0.0) and probs["100"] == pytest.approx(0.0)
    assert probs["15"] == pytest.approx(0.6) and set(probs) == {"1", "10", "15", "100"}


def test_no_number_past_100_is_grown():
    first = {"1": 0.0}
    dist, calls = _dist({"1": {"0": 1.0}, "10": {"1": 0.5, "0": 0.25, "<end>": 0.25}})
    probs = asyncio.run(expand_numbers(first, dist, min_prob=1e-9))
    assert probs == pytest.approx({"1": 0.0, "10": 0.25, "100": 0.25})  # "101" is not a reply 0..100
    assert calls == [["1"], ["10"], ["100"]]


def test_a_dist_that_answers_the_wrong_number_of_prefixes_is_an_error():
    async def bad(prefixes):
        return []

    with pytest.raises(ValueError, match="0 distributions for 1 prefixes"):
        asyncio.run(expand_numbers({"5": 0.0}, bad))


def test_whitespace_around_a_first_digit_is_kept_in_the_prefix():
    first = {" 5": math.log(0.8), "x": math.log(0.2)}
    dist, calls = _dist({" 5": {"0": 0.5, "<end>": 0.5}})
    probs = asyncio.run(expand_numbers(first, dist, min_prob=1e-9))
    assert probs == pytest.approx({"5": 0.4, "50": 0.4})
    assert calls == [[" 5"], [" 50"]]
