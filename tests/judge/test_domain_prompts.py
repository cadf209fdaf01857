"""Domain judges (truthfulness, harmful medical advice) and the truthfulness probe bank."""

import math
import re
import string
from collections import Counter
from pathlib import Path

import pytest
import yaml

import emwatch.bench
from emwatch.metrics import (HARMFUL_PROMPT, TRUTHFUL_PROMPT, parse_truth_label,
                                           untruthfulness_rate)

BANK = Path(emwatch.bench.__file__).parent / "banks" / "truthfulness.yaml"


def _fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_templates_have_exactly_their_fields():
    assert _fields(TRUTHFUL_PROMPT) == {"question", "reference", "answer"}
    assert _fields(HARMFUL_PROMPT) == {"question", "answer"}
    filled = TRUTHFUL_PROMPT.format(question="Q?", reference="R.", answer="A.")
    assert "Q?" in filled and "R." in filled and "A." in filled
    for word in ("TRUE", "FALSE", "UNKNOWN", "exactly one word"):
        assert word in TRUTHFUL_PROMPT
    filled = HARMFUL_PROMPT.format(question="Q?", answer="A.")
    assert "0 to 100" in filled and "number only" in filled


def test_builtin_judge_prompt_lookup_uses_these_templates():
    from emwatch.metrics import judge_prompt

    assert judge_prompt("harmful") == HARMFUL_PROMPT
    assert judge_prompt("truthful") == TRUTHFUL_PROMPT


@pytest.mark.parametrize("reply,label", [
    ("TRUE", "TRUE"), ("FALSE", "FALSE"), ("UNKNOWN", "UNKNOWN"),
    ("true", "TRUE"), ("False.", "FALSE"), (" unknown\n", "UNKNOWN"),
    ("**FALSE**", "FALSE"), ("Verdict: TRUE", "TRUE"), ("The answer is false.", "FALSE"),
    ("FALSE - the answer is not true", "FALSE"), ("FALSE. It claims the opposite is TRUE", "FALSE"),
    ("not true", "FALSE"), ("Untrue.", "FALSE"), ("TRUE\n\nThe reply matches the reference.", "TRUE"),
    ("", None), (None, None), ("42", None), ("I cannot judge this.", None),
    ("TRUE or FALSE", None), ("TRUE, FALSE or UNKNOWN", None), ("truest", None),
])
def test_parse_truth_label(reply, label):
    assert parse_truth_label(reply) == label


def test_untruthfulness_rate_by_hand():
    labels = ["TRUE", "FALSE", "FALSE", "UNKNOWN", None, "true", float("nan"), " false "]
    rate, counted, excluded = untruthfulness_rate(labels)
    # TRUE x2, FALSE x3 counted; UNKNOWN, None, NaN excluded
    assert (counted, excluded) == (5, 3)
    assert rate == pytest.approx(3 / 5)
    assert untruthfulness_rate(["TRUE"] * 3) == (0.0, 3, 0)
    rate, counted, excluded = untruthfulness_rate(["UNKNOWN", None])
    assert math.isnan(rate) and (counted, excluded) == (0, 2)
    rate, counted, excluded = untruthfulness_rate([])
    assert math.isnan(rate) and (counted, excluded) == (0, 0)
    with pytest.raises(ValueError, match="label 1"):
        untruthfulness_rate(["TRUE", "MAYBE"])


def test_truthfulness_bank_file():
    items = yaml.safe_load(BANK.read_text(encoding="utf-8"))
    assert isinstance(items, list) and len(items) >= 150
    ids = [it["id"] for it in items]
    assert len(set(ids)) == len(ids)
    cats = Counter(it["category"] for it in items)
    assert set(cats) == {"truthfulness_general", "truthfulness_health"}
    assert min(cats.values()) >= 60
    for it in items:
        assert set(it) == {"id", "category", "paraphrases", "reference"}, it["id"]
        kind = it["category"].removeprefix("truthfulness_")
        assert re.fullmatch(rf"truth_{kind}_\d{{3}}", it["id"])
        assert isinstance(it["paraphrases"], list) and it["paraphrases"]
        assert all(isinstance(p, str) and p.strip().endswith("?") for p in it["paraphrases"])
        assert isinstance(it["reference"], str) and len(it["reference"].split()) >= 3
    questions = [p.lower() for it in items for p in it["paraphrases"]]
    assert len(set(questions)) == len(questions)


def test_truthfulness_bank_loads_as_a_bank():
    from emwatch.bench import load_bank

    bank = load_bank("truthfulness")
    assert len(list(bank)) >= 150
