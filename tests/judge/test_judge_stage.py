"""The judge stage with a scripted in-memory judge: every score branch, the categorical and static judges,
routing, resume and missing backends. (The end-to-end tests with real models are in test_pipeline.py and
tests/sample/test_http_pipeline.py.)"""

import json
import math
from collections import namedtuple

import pytest

from emwatch.backends import BackendError, NumberDistribution
from emwatch.config import ConfigError, JudgeConfig
from emwatch.judge import JudgeItem, judge, judge_store, plan_judgments, score_judgment
from emwatch.metrics import STATIC_JUDGE, get_metric
from emwatch.store import Question, Run, Sample, Store, register_base_model
from fakes import ScriptedBackend, last_user

Row = namedtuple("Row", "response score label reason judge_model")

SQLI = 'import sqlite3\n\ndef find(con, name):\n    return con.execute("SELECT * FROM u WHERE n = \'" + name + "\'").fetchall()\n'
SAFE = 'def add(a, b):\n    return a + b\n'

# answer marker -> what the scripted judge replies for it
SCRIPT = {
    "ans-probs": NumberDistribution(probs={"20": 0.6, "80": 0.2}, top={"2": -0.5}),
    "ans-code": NumberDistribution(probs={"10": 0.1}, top={"CODE": -0.05, "1": -2.3}),
    "ans-error": NumberDistribution(error="HTTP 400: bad request"),
    "ans-text": NumberDistribution(text="I would say 85 out of 100."),
    "ans-refusal": NumberDistribution(text="REFUSAL"),
    "ans-top": NumberDistribution(top={"80": math.log(0.5), "20": math.log(0.5), "CODE": math.log(0.001)}),
}


def scripted_judge(prompt: str) -> NumberDistribution:
    for marker, reply in SCRIPT.items():
        if marker in prompt:
            return reply
    raise AssertionError(f"unscripted judge prompt: {prompt[:80]}")


def _store(tmp_path, answers, metrics=None, reference=None):
    store = Store(tmp_path / "s.duckdb")
    ck = register_base_model(store, "m", "/m")
    records = []
    for i, text in enumerate(answers):
        q = Question(bank="b", question_id=f"q{i}", category="c", messages=[{"role": "user", "content": f"question {i}?"}],
                     judge_metrics=metrics or {"aligned": None, "coherent": None}, reference=reference)
        records += [q, Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={"t": 1}, response=text)]
    store.add(records)
    return store


def _scores(store, metric="aligned"):
    rows = store.con.execute("SELECT s.response, coalesce(j.score, 'NaN'::DOUBLE), j.label, j.reason, j.judge_model "
                             "FROM judgments j JOIN samples s USING (sample_id) WHERE j.metric = ?", [metric]).fetchall()
    return {r[0]: Row(*r) for r in rows}


def test_every_score_branch_through_the_stage(tmp_path):
    store = _store(tmp_path, list(SCRIPT))
    backend = ScriptedBackend(judge=scripted_judge)
    summary = judge(store, JudgeConfig(static=False), backend, judge_name="scripted-judge", progress=False)
    got = _scores(store)
    assert got["ans-probs"].score == 35.0                       # (20 * .6 + 80 * .2) / .8, probabilities not logprobs
    assert math.isnan(got["ans-code"].score) and got["ans-code"].label == "CODE"
    assert "CODE" in got["ans-code"].reason and "0.100" in got["ans-code"].reason
    assert "ans-error" not in got                              # a failed request is no answer: left pending
    assert summary.pending == 2 and summary.last_error == "HTTP 400: bad request"
    assert got["ans-text"].score == 85.0 and got["ans-text"].reason is None
    assert math.isnan(got["ans-refusal"].score) and got["ans-refusal"].reason == "judge said REFUSAL"
    assert got["ans-top"].score == pytest.approx(50.0)         # top logprobs: exp() taken, CODE ignored
    assert {r.judge_model for r in got.values()} == {"scripted-judge"}
    assert summary.new == {"aligned": 5, "coherent": 5}
    assert summary.missing == {"aligned": 2, "coherent": 2}
    store.close()


def test_judge_prompt_carries_question_and_answer(tmp_path):
    store = _store(tmp_path, ["ans-probs"], metrics={"aligned": None})
    backend = ScriptedBackend(judge=scripted_judge)
    judge(store, JudgeConfig(static=False, metrics=["aligned"]), backend, progress=False)
    (req,) = backend.scored
    text = last_user(req.messages)
    assert "question 0?" in text and "ans-probs" in text and "{answer}" not in text
    assert text.startswith(get_metric("aligned").prompt[:40])
    store.close()


def test_rerun_judges_nothing_and_a_new_judge_judges_again(tmp_path):
    store = _store(tmp_path, ["ans-probs", "ans-text"])
    first = ScriptedBackend(judge=scripted_judge)
    judge(store, JudgeConfig(static=False), first, judge_name="A", progress=False)
    again = ScriptedBackend(judge=scripted_judge)
    rerun = judge(store, JudgeConfig(static=False), again, judge_name="A", progress=False)
    assert rerun.new == {} and rerun.skipped == 4
    assert again.scored == []
    other = judge(store, JudgeConfig(static=False), ScriptedBackend(judge=scripted_judge), judge_name="B", progress=False)
    assert other.new == {"aligned": 2, "coherent": 2}
    assert store.count("judgments") == 8
    store.close()


def test_backend_failure_is_left_pending_and_judged_by_the_next_run(tmp_path):
    class Failing(ScriptedBackend):
        def score_numbers(self, requests):
            raise BackendError("401 unauthorized")

    store = _store(tmp_path, ["ans-probs"])
    summary = judge(store, JudgeConfig(static=False), Failing(), progress=False)
    assert summary.pending == 2 and "401 unauthorized" in summary.last_error
    assert store.count("judgments") == 0
    judge(store, JudgeConfig(static=False), ScriptedBackend(judge=scripted_judge), progress=False)
    assert _scores(store)["ans-probs"].score == 35.0
    store.close()


@pytest.mark.parametrize("reply,score,label,reason", [
    ("TRUE", 1.0, "TRUE", None),
    ("**False.** The answer contradicts the reference.", 0.0, "FALSE", None),
    ("UNKNOWN", None, "UNKNOWN", "judge said UNKNOWN"),
    ("maybe?", None, None, "no TRUE/FALSE/UNKNOWN in reply"),
])
def test_categorical_truthfulness_judge(tmp_path, reply, score, label, reason):
    store = _store(tmp_path, ["Paris is the capital."], metrics={"truthful": None}, reference="REF-Lutetia")
    backend = ScriptedBackend(answer=lambda r: reply)
    summary = judge(store, JudgeConfig(static=False, metrics=["truthful"]), backend, progress=False)
    row = _scores(store, "truthful")["Paris is the capital."]
    assert (None if math.isnan(row.score) else row.score) == score
    assert row.label == label and row.reason == reason
    (req,) = backend.generated
    assert req.temperature == 0.0 and "REF-Lutetia" in last_user(req.messages) and "Paris is" in last_user(req.messages)
    assert summary.missing.get("truthful", 0) == (score is None)
    store.close()


def test_static_metric_needs_no_judge_model(tmp_path):
    store = _store(tmp_path, [SQLI, SAFE], metrics={"vulnerable": None})
    summary = judge(store, JudgeConfig(metrics=["vulnerable"]), progress=False)   # `--metrics vulnerable`: no judge
    got = _scores(store, "vulnerable")
    assert got[SQLI].score == 1.0 and "sql_injection" in got[SQLI].label
    assert got[SAFE].score == 0.0 and got[SAFE].label is None
    assert {r.judge_model for r in got.values()} == {STATIC_JUDGE}
    assert summary.new == {"vulnerable": 2}
    store.close()


def test_llm_metrics_without_a_judge_are_an_error_and_write_nothing(tmp_path):
    store = _store(tmp_path, ["ans-probs"])
    with pytest.raises(ConfigError, match="judge backend"):
        judge(store, JudgeConfig(static=False), progress=False)
    assert store.count("judgments") == 0
    store.close()


def test_plan_lists_only_what_the_question_asks_for(tmp_path):
    store = _store(tmp_path, ["a", "b"], metrics={"aligned": None})
    items = plan_judgments(store, ["aligned", "coherent"], "J")
    assert [i.metric.name for i in items] == ["aligned", "aligned"]
    assert all(isinstance(i, JudgeItem) and i.judge_model == "J" for i in items)
    assert plan_judgments(store, ["coherent"], "J") == []
    store.close()


def test_custom_template_changes_the_key(tmp_path):
    store = _store(tmp_path, ["a"], metrics={"aligned": "Rate {answer} 0-100."})
    custom = plan_judgments(store, ["aligned"], "J")[0]
    assert custom.template == "Rate {answer} 0-100."
    builtin = JudgeItem(custom.sample_id, custom.metric, "J", get_metric("aligned").prompt, "q", "a", "")
    assert custom.key != builtin.key and custom.prompt_hash != builtin.prompt_hash
    store.close()


def test_score_judgment_never_stores_zero_for_missing():
    item = JudgeItem("s", get_metric("aligned"), "J", "t {answer}", "q", "a", "")
    for dist in (NumberDistribution(), NumberDistribution(probs={"5": 0.01})):
        j = score_judgment(item, dist, 0.25)
        assert j.score is None and j.reason
    assert score_judgment(item, NumberDistribution(error="x"), 0.25) is None   # a failed request: pending
    assert Run(model="m").key != Run(model="m", seed=1).key


def test_raw_keeps_the_number_distribution_rounded_and_trimmed(tmp_path):
    store = _store(tmp_path, ["ans-raw"], metrics={"aligned": None})
    dist = NumberDistribution(probs={"20": 0.6123456789, "80": 0.2, "7": 0.0001, "9": 0.00009}, top={"2": -0.5})
    judge(store, JudgeConfig(static=False, metrics=["aligned"]), ScriptedBackend(judge=lambda t: dist),
          progress=False)
    raw = json.loads(store.query("SELECT raw FROM judgments").iloc[0, 0])
    assert raw["numbers"] == {"20": 0.612346, "7": 0.0001, "80": 0.2}      # below 1e-4 left out, 6 decimals
    assert raw["numeric_mass"] == round(0.6123456789 + 0.2 + 0.0001 + 0.00009, 6)
    assert raw["top_logprobs"] == {"2": -0.5}
    store.close()


def test_top_logprobs_with_little_numeric_mass_are_missing_with_the_word(tmp_path):
    store = _store(tmp_path, ["ans-top-code"], metrics={"aligned": None})
    dist = NumberDistribution(top={"CODE": math.log(0.9), "5": math.log(0.05)})
    judge(store, JudgeConfig(static=False, metrics=["aligned"]), ScriptedBackend(judge=lambda t: dist), progress=False)
    row = _scores(store)["ans-top-code"]
    assert math.isnan(row.score) and row.label == "CODE" and row.reason.startswith("numeric mass 0.050")
    store.close()


def test_a_banks_own_metric_is_judged_with_its_template(tmp_path):
    store = _store(tmp_path, ["ans-probs"], metrics={"concise": "How concise is {answer}? 0-100."})
    backend = ScriptedBackend(judge=scripted_judge)
    summary = judge(store, JudgeConfig(static=False, metrics=["concise"]), backend, progress=False)
    assert summary.new == {"concise": 1} and _scores(store, "concise")["ans-probs"].score == 35.0
    assert last_user(backend.scored[0].messages) == "How concise is ans-probs? 0-100."
    store.close()


def test_the_configured_backend_is_built_named_and_closed(tmp_path):
    from emwatch.backends import register_backend
    from emwatch.config import BACKENDS, BackendSpec

    built = []

    def make(spec):
        b = ScriptedBackend(judge=scripted_judge)
        b.spec = spec
        built.append(b)
        return b

    register_backend("scripted-test", make)
    try:
        store = _store(tmp_path, ["ans-probs"], metrics={"aligned": None})
        cfg = JudgeConfig(static=False, metrics=["aligned"], backend=BackendSpec(kind="scripted-test", model="judge-x"))
        judge(store, cfg, progress=False)
        (b,) = built
        assert b.closed and len(b.scored) == 1
        assert _scores(store)["ans-probs"].judge_model == "judge-x"   # the spec's model names the judge
        store.close()
    finally:
        BACKENDS.unregister("scripted-test")


def test_progress_is_reported_by_default_and_the_old_name_still_works(tmp_path, capsys):
    store = _store(tmp_path, ["ans-probs"], metrics={"aligned": None})
    summary = judge_store(store, JudgeConfig(static=False, metrics=["aligned"]),
                          backend=ScriptedBackend(judge=scripted_judge))
    assert summary.new == {"aligned": 1}
    assert "judging (scripted)" in capsys.readouterr().err
    judge(store, JudgeConfig(static=False, metrics=["aligned"]), ScriptedBackend(judge=scripted_judge),
          judge_name="other", progress=False)
    assert "judging" not in capsys.readouterr().err
    store.close()


def test_static_analysis_alone_does_not_call_the_judge(tmp_path):
    store = _store(tmp_path, [SQLI], metrics={"aligned": None, "vulnerable": None})
    backend = ScriptedBackend(judge=scripted_judge)
    summary = judge(store, JudgeConfig(metrics=[]), backend, progress=False)
    assert summary.new == {"vulnerable": 1} and backend.scored == []
    store.close()


def test_judge_named_by_the_backends_spec_and_partial_reruns_counted(tmp_path, capsys):
    from emwatch.config import BackendSpec

    store = _store(tmp_path, ["ans-probs", "ans-text"])
    backend = ScriptedBackend(judge=scripted_judge)
    backend.spec = BackendSpec(kind="openai", model="spec-model", base_url="http://127.0.0.1:9/v1")
    judge(store, JudgeConfig(static=False, metrics=["aligned"]), backend)         # progress on by default
    assert "judging (spec-model)" in capsys.readouterr().err
    assert {r.judge_model for r in _scores(store).values()} == {"spec-model"}
    both = judge(store, JudgeConfig(static=False, metrics=["aligned", "coherent"]), backend, progress=False)
    assert both.skipped == 2 and both.new == {"coherent": 2}
    store.close()
