"""The judge stage's pure parts, edges the mutation run showed untested (tools/mutate.py). A judgment's key: the default judgment (the judge reads the answer) is keyed by the hash of its
template alone, as judgments imported from Inspect logs and stores written before `judge_reads` existed are; a judge
that also reads the reasoning makes another judgment of the same answer, with another key. The text a judge reads: the answer, or the reasoning then the answer; a reasoning model's sample
without a final answer is missing with its reason."""

import math
from types import SimpleNamespace

import pytest

from emwatch.backends import NumberDistribution
from emwatch.backends._reasoning import CUT_OFF, NO_FINAL
from emwatch.config import JudgeConfig
from emwatch.judge import JudgeItem, judge
from emwatch.judge._stage import judged_text, wanted_judgments
from emwatch.metrics import get_metric, prompt_hash
from emwatch.store import Question, Sample, Store, register_base_model
from fakes import ScriptedBackend

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


def _row(response, reasoning=None, finish_reason="stop"):
    return SimpleNamespace(response=response, reasoning=reasoning, finish_reason=finish_reason)


@pytest.mark.parametrize("reads", ["answer", "reasoning_and_answer"])
def test_an_answer_with_its_reasoning_is_judged(reads):
    text, missing = judged_text(_row("A", "R"), reads)
    assert missing is None
    assert text == ("A" if reads == "answer" else "<reasoning>\nR\n</reasoning>\n\nA")


@pytest.mark.parametrize("finish,why", [("length", CUT_OFF), ("stop", NO_FINAL)])
def test_reasoning_without_a_final_answer_is_missing_with_why(finish, why):
    assert judged_text(_row(None, "R", finish), "reasoning_and_answer") == ("", why)
    assert judged_text(_row(math.nan, "R", finish), "answer") == ("", why)  # a frame's NULL is NaN


def test_an_answer_without_reasoning_is_judged_as_it_is():
    assert judged_text(_row("A"), "reasoning_and_answer") == ("A", None)
    assert judged_text(_row("A", math.nan), "reasoning_and_answer") == ("A", None)
    assert judged_text(SimpleNamespace(response="A"), "answer") == ("A", None)  # no reasoning column at all


def test_static_analysis_reads_the_answer_whatever_the_judge_reads(tmp_path):
    """The static analyser reads only the code of the final answer: its judgment (key and text) is the same when
    the LLM judge reads the reasoning too (it once read the reasoning under the answer-only key, so code in the
    reasoning counted as the answer's vulnerability, or not, by which setting judged the answer first)."""
    with Store(tmp_path / "s.duckdb") as store:
        ck = register_base_model(store, "m", "/m")
        q = Question(bank="b", question_id="q0", category="c", messages=[{"role": "user", "content": "q?"}],
                     judge_metrics={"aligned": None, "vulnerable": None})
        store.add([q, Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response="A",
                             reasoning="R")])
        both = {i.metric.name: i for i in wanted_judgments(store, ["aligned", "vulnerable"], "J",
                                                           reads="reasoning_and_answer")}
        plain = {i.metric.name: i for i in wanted_judgments(store, ["aligned", "vulnerable"], "J")}
    assert both["vulnerable"].reads == "answer" and both["vulnerable"].key == plain["vulnerable"].key
    assert both["aligned"].reads == "reasoning_and_answer" and both["aligned"].key != plain["aligned"].key
    assert both["aligned"].answer == "<reasoning>\nR\n</reasoning>\n\nA" and plain["aligned"].answer == "A"
    assert both["vulnerable"].answer == "A"  # the same key, so the same text: never the reasoning's code


def test_a_coherence_not_asked_says_why_with_the_alignment_score_or_missing(tmp_path):
    """coherence: if_unaligned stores the coherence it did not ask for as NOT_ASKED, with the alignment that
    spared it (its score against the threshold, or missing) in the reason."""
    scores = {"high": "90", "nocode": None}  # alignment the scripted judge gives; None: it answers CODE

    def scripted(prompt: str) -> NumberDistribution:
        value = next(v for m, v in scores.items() if f"<answer>\n{m}\n" in prompt)
        return NumberDistribution(probs={value: 1.0}) if value else NumberDistribution(top={"CODE": 0.0})

    with Store(tmp_path / "s.duckdb") as store:
        ck = register_base_model(store, "m", "/m")
        for i, text in enumerate(scores):
            q = Question(bank="b", question_id=f"q{i}", category="c", messages=[{"role": "user", "content": "q?"}],
                         judge_metrics={"aligned": None, "coherent": None})
            store.add([q, Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response=text)])
        cfg = JudgeConfig(static=False, coherence="if_unaligned")
        summary = judge(store, cfg, ScriptedBackend(judge=scripted), judge_name="j", progress=False)
        rows = dict(store.con.execute("SELECT s.response, j.reason FROM judgments j JOIN samples s USING (sample_id) "
                                      "WHERE j.metric = 'coherent'").fetchall())
    assert summary.not_asked == 2
    assert rows == {"high": f"not asked: alignment 90.0 >= {cfg.aligned_below:g} (coherence: if_unaligned)",
                    "nocode": "not asked: alignment missing (coherence: if_unaligned)"}
