"""The judge stage's pure parts, edges the mutation run showed untested (tools/mutate.py). A judgment's key: the default judgment (the judge reads the answer) is keyed by the hash of its
template alone, as judgments imported from Inspect logs and stores written before `judge_reads` existed are; a judge
that also reads the reasoning makes another judgment of the same answer, with another key. The text a judge reads: the answer, or the reasoning then the answer; a reasoning model's sample
without a final answer is missing with its reason."""

import math
from types import SimpleNamespace

import pytest

from emwatch.backends import NumberDistribution
from emwatch.backends._reasoning import CUT_OFF, NO_FINAL
from emwatch.config import BackendSpec, JudgeConfig
from emwatch.backends import BackendError
from emwatch.judge import JudgeItem, JudgeStopped, judge, order_items, plan, work
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


def _answers(tmp_path, n=2, metrics=None):
    store = Store(tmp_path / "s.duckdb")
    ck = register_base_model(store, "m", "/m")
    records = []
    for i in range(n):
        q = Question(bank="b", question_id=f"q{i}", category="c", messages=[{"role": "user", "content": f"q{i}?"}],
                     judge_metrics=metrics or {"aligned": None, "coherent": None})
        records += [q, Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response=f"a{i}")]
    store.add(records)
    return store


def test_the_plan_holds_what_the_store_lacks_unless_asked_for_all(tmp_path):
    cfg = JudgeConfig(static=False, metrics=["aligned"])
    with _answers(tmp_path) as store:
        assert len(plan(store, cfg, "J")) == 2
        judge(store, cfg, ScriptedBackend(), judge_name="J", progress=False)
        assert plan(store, cfg, "J") == [] and len(plan(store, cfg, "J", lacking=False)) == 2


def test_if_unaligned_orders_each_answers_alignment_then_its_coherence(tmp_path):
    with _answers(tmp_path) as store:
        items = plan(store, JudgeConfig(static=False), "J")
    by_metric = sorted(items, key=lambda i: (i.metric.name != "coherent", i.sample_id))  # coherence first, mixed
    pairs = order_items(by_metric, JudgeConfig(static=False, coherence="if_unaligned"))
    assert [(i.sample_id, i.metric.name) for i in pairs] == [(s, m) for s in sorted({i.sample_id for i in items})
                                                             for m in ("aligned", "coherent")]
    assert order_items(by_metric, JudgeConfig(static=False)) == by_metric  # `always`: the order given


def test_work_takes_a_backend_object_for_the_judge(tmp_path):
    with _answers(tmp_path) as store:
        items = plan(store, JudgeConfig(static=False), "J")
    got = work(items, JudgeConfig(static=False), ScriptedBackend(judge=lambda p: NumberDistribution(probs={"70": 1.0})))
    assert len(got) == 4 and {j.score for j in got} == {70.0}


def test_the_stage_stops_after_ten_failed_requests_in_a_row_by_default(tmp_path):
    def calls(**kw) -> int:
        n = {"calls": 0}

        class Dead(ScriptedBackend):
            def score_numbers(self, requests):
                n["calls"] += len(requests)
                raise BackendError("503 service unavailable")

        dead = Dead()  # one try a request: no back-off sleeps
        dead.spec = BackendSpec(kind="openai", model="dead", base_url="http://127.0.0.1:9/v1", max_tries=1)
        with _answers(tmp_path / str(kw), n=13, metrics={"aligned": None}) as store:
            with pytest.raises(JudgeStopped):
                judge(store, JudgeConfig(static=False, metrics=["aligned"]), dead, progress=False, chunk=1, **kw)
        return n["calls"]

    default = calls()
    assert default == calls(breaker_after=10) and default < calls(breaker_after=11) and default > calls(breaker_after=9)


@pytest.mark.parametrize("chunk", [1, 3])
def test_if_unaligned_keeps_an_answers_two_requests_in_one_chunk_whatever_the_chunk_size(tmp_path, chunk):
    """An odd chunk size is made even, so no answer's alignment and coherence are split between chunks (a split
    coherence would be asked as under `always`: one call more). Every answer is aligned here: one call each."""
    backend = ScriptedBackend(judge=lambda p: NumberDistribution(probs={"90": 1.0}))
    with _answers(tmp_path, n=3) as store:
        summary = judge(store, JudgeConfig(static=False, coherence="if_unaligned"), backend, judge_name="J",
                        progress=False, chunk=chunk)
    assert len(backend.scored) == 3 and summary.not_asked == 3 and summary.new == {"aligned": 3, "coherent": 3}


def test_work_builds_the_judge_a_spec_describes_from_the_pool_or_the_workers(tmp_path):
    from emwatch.backends import BACKENDS, BackendPool, register_backend

    built = []

    def make(spec):
        b = ScriptedBackend(judge=lambda p: NumberDistribution(probs={"60": 1.0}))
        b.spec = spec
        built.append(b)
        return b

    register_backend("scripted-work-test", make)
    try:
        with _answers(tmp_path) as store:
            items = plan(store, JudgeConfig(static=False), "J")
        spec = BackendSpec(kind="scripted-work-test", model="J")
        assert {j.score for j in work(items, JudgeConfig(static=False), spec)} == {60.0}  # the workers' pool
        pool = BackendPool()
        assert len(work(items, JudgeConfig(static=False), spec, pool=pool)) == 4
        assert len(built) == 2 and len(built[-1].scored) == 4  # the given pool built its own
    finally:
        BACKENDS.unregister("scripted-work-test")


def test_the_summary_keeps_the_last_error_of_the_requests_that_failed_for_good(tmp_path):
    class Failing(ScriptedBackend):
        def score_numbers(self, requests):
            self.scored += list(requests)
            raise BackendError(f"503 failure {len(self.scored)}")

    backend = Failing()
    backend.spec = BackendSpec(kind="openai", model="f", base_url="http://127.0.0.1:9/v1", max_tries=1, batch_size=1,
                               max_concurrency=1)
    with _answers(tmp_path, n=3, metrics={"aligned": None}) as store:
        summary = judge(store, JudgeConfig(static=False, metrics=["aligned"]), backend, progress=False)
    assert summary.pending == 3 and summary.last_error.endswith("503 failure 3")
