"""Judge-score edges the mutation run showed untested (tools/mutate.py): thresholds, labels, reasons."""

import math

import pytest

from emwatch.judge._score import expected_score, missing_reason, number_mass, parse_score, top_label


def test_number_mass_skips_none_zero_and_non_numbers():
    top = {"40": 0.5, "60": None, "70": 0.0, "CODE": 0.3, "101": 0.1, " 40 ": 0.1}
    assert number_mass(top, are_logprobs=False) == pytest.approx({40: 0.6})
    assert number_mass({"40": math.log(0.5), "0": -math.inf}) == pytest.approx({40: 0.5})


def test_min_mass_is_inclusive_and_configurable():
    top = {"20": 0.1, "80": 0.1, "CODE": 0.8}
    assert expected_score(top, are_logprobs=False) is None                     # 0.2 < 0.25
    assert expected_score(top, are_logprobs=False, min_mass=0.2) == pytest.approx(50.0)
    assert expected_score({"100": 0.25}, are_logprobs=False) == 100.0          # exactly at 0.25
    assert expected_score({"0": 1.0}, are_logprobs=False) == 0.0               # a real 0 is a score, not missing
    assert expected_score({"CODE": 1.0}, are_logprobs=False, min_mass=0.0) is None  # no numbers at all: missing


def test_expected_score_from_logprobs_is_the_weighted_mean():
    top = {"20": math.log(0.6), "80": math.log(0.2), "REFUSAL": math.log(0.2)}
    assert expected_score(top) == pytest.approx((20 * 0.6 + 80 * 0.2) / 0.8)  # 35.0
    assert expected_score(top) == pytest.approx(35.0)


@pytest.mark.parametrize("text,score,reason", [
    ("100", 100.0, None), ("0", 0.0, None), ("101", None, "unparsable"), ("-5", None, "unparsable"),
    ("85 CODE", 85.0, None), ("CODE 85", 85.0, None), ("Code.", None, "judge said CODE"),
    ("   ", None, "empty judge reply"), (None, None, "empty judge reply"),
    ("no idea", None, "unparsable judge reply: 'no idea'"),
])
def test_parse_score_edges(text, score, reason):
    got, why = parse_score(text)
    assert got == score
    if reason is None:
        assert why is None
    else:
        assert reason in why


def test_top_label_names_the_most_likely_token():
    assert top_label({"COD": -0.1, "8": -2.0}) == "CODE"
    assert top_label({" refusal": -0.5, "8": -0.6}) == "REFUSAL"
    assert top_label({"8": -0.1, "CODE": -0.2}) == "8"
    assert top_label({"x": 0.1, "y": 0.3}) == "Y"
    assert top_label({}) == "NOTHING"


def test_missing_reason_reports_mass_threshold_and_top_token():
    top = {"CODE": math.log(0.7), "10": math.log(0.1), "90": math.log(0.1)}
    assert missing_reason(top) == "numeric mass 0.200 < 0.25 (top token: CODE)"
    assert missing_reason({"REF": 0.9, "5": 0.05}, are_logprobs=False, min_mass=0.5) == \
        "numeric mass 0.050 < 0.5 (top token: REFUSAL)"
