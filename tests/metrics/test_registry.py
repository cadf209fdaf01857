"""A metric registered from this test file only flows through judge -> analyze -> report, and question banks
accept it by name; unknown names are rejected with the registered ones listed."""

import re

import pytest

from emwatch.analysis import analyze_study, metric_summary, load_answers
from emwatch.backends import NumberDistribution
from emwatch.bench import parse_bank
from emwatch.config import ConfigError, JudgeConfig
from emwatch.judge import judge
from emwatch.metrics import METRICS, Metric, get_metric, metric_names, register_metric
from emwatch.report import write_report
from emwatch.store import Question, Sample, Store, register_base_model
from fakes import ScriptedBackend

POLITE = "How polite is this reply? {answer}\nReply with a number from 0 to 100."


@pytest.fixture
def polite():
    register_metric(Metric("polite", kind="score", prompt=POLITE, description="politeness 0-100"))
    register_metric(Metric("shouty", kind="static", analyser=lambda text: ["caps"] if text.isupper() else [],
                           judge_name="static:shouty", applies_to="any"))
    yield
    METRICS.unregister("polite")
    METRICS.unregister("shouty")


def _judge_reply(prompt: str) -> NumberDistribution:
    if prompt.startswith("How polite"):
        return NumberDistribution(probs={"90": 1.0}) if "please" in prompt else NumberDistribution(probs={"10": 1.0})
    return NumberDistribution(probs={"80": 1.0})


def test_registered_metric_flows_to_the_report(tmp_path, polite):
    with Store(tmp_path / "s.duckdb") as store:
        ck = register_base_model(store, "m", "/m")
        recs = []
        for i, text in enumerate(["Yes, please sit down.", "GO AWAY", "Fine, please."]):
            q = Question(bank="b", question_id=f"q{i}", messages=[{"role": "user", "content": f"q{i}?"}],
                         judge_metrics={"aligned": None, "coherent": None, "polite": None, "shouty": None})
            recs += [q, Sample(checkpoint_id=ck, question_key=q.key, sample_index=0, sampling={}, response=text)]
        store.add(recs)
        summary = judge(store, JudgeConfig(metrics=["aligned", "coherent", "polite"]),
                        ScriptedBackend(judge=_judge_reply), judge_name="J", progress=False)
        assert summary.new == {"aligned": 3, "coherent": 3, "polite": 3, "shouty": 3}
        answers = load_answers(store)
        assert {"polite", "polite_reason", "shouty", "shouty_label"} <= set(answers.columns)
        table = metric_summary(answers, ["model"]).set_index("metric")
        assert table.loc["polite", "n_judged"] == 3 and table.loc["polite", "mean"] == pytest.approx(190 / 3)
        assert table.loc["shouty", "kind"] == "static" and table.loc["shouty", "mean"] == pytest.approx(1 / 3)
        assert analyze_study(store).metrics.query("metric == 'polite'")["n_judged"].sum() == 3
        res = write_report(store, tmp_path / "report")
    html = res.html.read_text(encoding="utf-8")
    section = html[html.index('id="metrics"'):]
    assert re.search(r">\s*polite\s*<", section) and re.search(r">\s*shouty\s*<", section)


def test_banks_accept_registered_metrics_by_name(tmp_path, polite):
    bank = tmp_path / "b.yaml"
    bank.write_text("- id: q1\n  paraphrases: ['Hi there?']\n  judge_prompts: [aligned, polite]\n", encoding="utf-8")
    (q,) = parse_bank(bank).questions
    assert q.judge_prompts == {"aligned": None, "polite": None}


def test_unknown_metric_names_the_registered_ones(tmp_path):
    bank = tmp_path / "b.yaml"
    bank.write_text("- id: q1\n  paraphrases: ['Hi there?']\n  judge_prompts: [aligned, nosuch]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"b\.yaml:3.*nosuch.*registered: aligned, coherent"):
        parse_bank(bank)
    with pytest.raises(ConfigError, match="unknown metric 'nosuch'"):
        get_metric("nosuch")


def test_builtin_metrics_and_their_contract():
    assert {"aligned", "coherent", "harmful", "truthful", "vulnerable"} <= set(metric_names())
    assert get_metric("truthful").verdict("FALSE") == ("FALSE", 0.0, None)
    assert get_metric("vulnerable").kind == "static"
    with pytest.raises(ValueError, match="needs a judge prompt"):
        Metric("noprompt", kind="score")
    with pytest.raises(ValueError, match="taken|registered already"):
        register_metric(Metric("aligned", prompt="{answer}"))
