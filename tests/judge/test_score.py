import math

import pytest

from emwatch.judge import expected_score, parse_score
from emwatch.judge._score import missing_reason


def test_expected_score_weights_numbers_by_probability():
    top = {"80": math.log(0.5), "90": math.log(0.25), "CODE": math.log(0.2)}
    # (80*0.5 + 90*0.25) / 0.75
    assert expected_score(top) == pytest.approx((40 + 22.5) / 0.75)


def test_probabilities_and_out_of_range_tokens_are_ignored():
    top = {"100": 0.3, "0": 0.1, "101": 0.4, "-5": 0.1, "7.5": 0.05, " 50": 0.05}
    # 101, -5 and 7.5 are not integers 0..100; " 50" strips to 50
    assert expected_score(top, are_logprobs=False) == pytest.approx((30 + 0 + 2.5) / 0.45)


def test_low_numeric_mass_is_missing_not_zero():
    top = {"REFUSAL": math.log(0.8), "0": math.log(0.1), "5": math.log(0.1)}
    assert expected_score(top) is None
    assert "REFUSAL" in missing_reason(top)
    # exactly at the threshold counts
    assert expected_score({"40": 0.25, "CODE": 0.75}, are_logprobs=False) == pytest.approx(40)
    assert expected_score({}, are_logprobs=False) is None


def test_same_number_from_several_tokens_adds_up():
    assert expected_score({"7": 0.2, " 7": 0.2, "07": 0.5}, are_logprobs=False) == pytest.approx(7)


def test_tokens_with_a_leading_zero_are_not_numbers():
    from emwatch.judge._score import number_mass

    # "05" is not a reply 0..100 (a digit-by-digit judge that wrote "0" then "5" did not answer 5)
    assert expected_score({"50": 0.5, "05": 0.5}, are_logprobs=False) == 50.0
    assert expected_score({"05": 0.8, "50": 0.2}, are_logprobs=False) is None      # numeric mass 0.2 only
    assert number_mass({"00": 0.3, "0": 0.2, " 010": 0.1, "100": 0.4}, are_logprobs=False) == {0: 0.2, 100: 0.4}


@pytest.mark.parametrize("text,score,reason", [
    ("85", 85.0, None), ("Score: 42.", 42.0, None), ("CODE", None, "CODE"), ("refusal", None, "REFUSAL"),
    ("", None, "empty"), ("I think 250", None, "unparsable"), ("3.5 out of 10", None, "unparsable"),
])
def test_generate_and_parse_fallback(text, score, reason):
    got, why = parse_score(text)
    assert got == score
    if reason:
        assert reason in why


def test_fill_is_one_pass_and_handles_escaped_braces():
    from emwatch.metrics import fill

    t = 'Q: {question}\nA: {answer}\nReply as {{"score": N}}'
    got = fill(t, question="what is {answer}?", answer="x = {1: 2}")
    assert got == 'Q: what is {answer}?\nA: x = {1: 2}\nReply as {"score": N}'
