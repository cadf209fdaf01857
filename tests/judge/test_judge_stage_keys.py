"""A judgment's key in the judge stage: the default judgment (the judge reads the answer) is keyed by the hash of its
template alone, as judgments imported from Inspect logs and stores written before `judge_reads` existed are; a judge
that also reads the reasoning makes another judgment of the same answer, with another key (tools/mutate.py edge)."""

from emwatch.judge import JudgeItem
from emwatch.metrics import get_metric, prompt_hash

TEMPLATE = "Rate {answer} 0-100."


def _item(reads: str = "answer", template: str | None = TEMPLATE) -> JudgeItem:
    return JudgeItem("s1", get_metric("aligned"), "J", template, "q", "a", "", reads=reads)


def test_the_default_judgment_is_keyed_by_the_template_hash_alone():
    assert _item().prompt_hash == prompt_hash(TEMPLATE)
    assert JudgeItem("s1", get_metric("aligned"), "J", TEMPLATE, "q", "a", "").prompt_hash == prompt_hash(TEMPLATE)
    assert _item(template=None).prompt_hash == prompt_hash("static")


def test_reading_the_reasoning_is_another_judgment_of_the_same_answer():
    reasoning = _item("reasoning")
    assert reasoning.prompt_hash != prompt_hash(TEMPLATE) and reasoning.key != _item().key
    assert reasoning.prompt_hash == _item("reasoning").prompt_hash  # stable: a rerun finds it stored
