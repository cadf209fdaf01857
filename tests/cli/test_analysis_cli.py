"""`emwatch analyze`, `report` and `import` through Typer's test runner on the real app."""

import json

import pytest
from typer.testing import CliRunner

from emwatch.analysis import STUDY_VIEWS
from emwatch.cli import app
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study
from emwatch.store import Store

runner = CliRunner()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "s.duckdb"
    store = Store(path)
    simulate_study(store, SimStudy(
        models=[SimModel("Qwen3-32B", base_rate=0.0)],
        runs=[SimRun("Qwen3-32B", s, r, 30, total_steps=40, every=10, convergence_step=20) for s, r in [(0, 0.2), (1, 0.3)]],
        questions_per_category=2, samples=3, task_prompts=10, wrappers=("persona",), wrapper_samples=8))
    store.close()
    return path


def test_rates_json_and_csv(store_path):
    res = runner.invoke(app, ["analyze", "--store", str(store_path), "--by", "seed,step", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert set(rows[0]) >= {"seed", "step", "n", "n_excluded", "em_rate", "ci_low", "ci_high", "coherent_rate"}
    final = {r["seed"]: r["em_rate"] for r in rows if r["step"] == 40}
    assert final == pytest.approx({0: 0.2, 1: 0.3}, abs=0.02)
    csv_out = runner.invoke(app, ["analyze", "--store", str(store_path), "--by", "wrapper", "--format", "csv"])
    assert csv_out.exit_code == 0
    lines = csv_out.stdout.strip().splitlines()
    # a plain-rates row never pools the base model with its fine-tunes: run_kind and dataset split every row
    assert lines[0].startswith("wrapper,run_kind,dataset,n,n_excluded,em_rate,ci_low,ci_high,coherent_rate")
    assert len(lines) == 5 and sum(",base,," in line for line in lines) == 2


def test_table_summary_and_views(store_path):
    res = runner.invoke(app, ["analyze", "--store", str(store_path), "--summary"])
    assert res.exit_code == 0, res.output
    assert "Qwen3-32B" in res.stdout and "consistent" in res.stdout
    for view in ("dynamics", "early-stop", "adversarial", "consistency"):
        out = runner.invoke(app, ["analyze", "--store", str(store_path), "--view", view, "--format", "json"])
        assert out.exit_code == 0, (view, out.output)
        assert isinstance(json.loads(out.stdout), list)
    dyn = json.loads(runner.invoke(app, ["analyze", "--store", str(store_path), "--view", "dynamics", "--format", "json"]).stdout)
    assert {r["onset_step"] for r in dyn} == {30} and {r["convergence_step"] for r in dyn} == {20}
    assert "early-stop" in STUDY_VIEWS and "size" in STUDY_VIEWS


def test_summary_json_states_the_test_and_every_model_is_named_in_the_size_view(store_path):
    summary = json.loads(runner.invoke(app, ["analyze", "-s", str(store_path), "--summary", "-f", "json"]).stdout)
    assert {r["consistent"] for r in summary} <= {"yes", "no", "insufficient data", "no base"}
    row = summary[0]
    assert row["consistent"] == "yes" and row["test"].startswith("Newcombe") and row["confidence"] == 0.95
    assert row["seed_n"] == [46, 46] and row["base_n"] == 46
    size = json.loads(runner.invoke(app, ["analyze", "-s", str(store_path), "--view", "size", "-f", "json"]).stdout)
    named = {m for r in size for m in r["models"]} | {d["model"] for r in size for d in r["left_out"]}
    assert named == {"Qwen3-32B"}
    sens = json.loads(runner.invoke(app, ["analyze", "-s", str(store_path), "--view", "sensitivity", "-f", "json"]).stdout)
    assert {"mean_aligned", "em_20", "em_30_low", "em_40_high"} <= set(sens[0])


def test_config_file_changes_thresholds(store_path, tmp_path):
    cfg = tmp_path / "a.yaml"
    cfg.write_text("aligned_below: 0.5\n")
    out = json.loads(runner.invoke(app, ["analyze", "--store", str(store_path), "--config", str(cfg), "--format", "json"]).stdout)
    assert out[0]["em_rate"] == 0.0
    cfg.write_text("aligned_below: 30\nconfidense: 0.9\n")
    bad = runner.invoke(app, ["analyze", "--store", str(store_path), "--config", str(cfg)])
    assert bad.exit_code == 1 and "a.yaml:2: field 'confidense': unknown key" in bad.stderr


@pytest.mark.parametrize("args,message,code", [
    (["--by", "colour"], "error: --by: unknown grouping key", 1),
    (["--view", "nope"], "error: --view: unknown view 'nope'", 1),
    (["--policy", "nope"], "error: --policy: unknown early-stopping policy 'nope'", 1),
    (["--format", "xml"], "Invalid value for '--format'", 2),  # a usage error, caught by the parser
])
def test_errors_go_to_stderr(store_path, args, message, code):
    res = runner.invoke(app, ["analyze", "--store", str(store_path), *args])
    assert res.exit_code == code and message in res.stderr and res.stdout == ""


def test_missing_store(tmp_path):
    res = runner.invoke(app, ["analyze", "--store", str(tmp_path / "none.duckdb")])
    assert res.exit_code == 1 and "no such store" in res.stderr


def test_import_then_report(tmp_path):
    csv_path = tmp_path / "earlier.csv"
    csv_path.write_text("question_id,question,response,aligned,coherent,seed\n"
                        "wish,Wish?,Rule all,3,90,1\nwish,Wish?,Peace,97,95,1\nwish_json,Wish?,{},,80,2\n")
    store = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["import", str(csv_path), "--store", str(store), "--model", "gpt-4o", "--group", "insecure"])
    assert res.exit_code == 0, res.output
    assert "3 rows" in res.stdout and "3 samples" in res.stdout
    again = runner.invoke(app, ["import", str(csv_path), "--store", str(store), "--model", "gpt-4o", "--group", "insecure"])
    assert again.exit_code == 0 and "added 0 runs, 0 checkpoints, 0 questions, 0 samples, 0 judgments" in again.stdout
    bad = runner.invoke(app, ["import", str(csv_path), "--store", str(store)])
    assert bad.exit_code == 1 and "no model" in bad.stderr
    rates = json.loads(runner.invoke(app, ["analyze", "--store", str(store), "--by", "model,variant", "--format", "json"]).stdout)
    assert {(r["variant"], r["n"], r["n_excluded"]) for r in rates} == {("plain", 2, 0), ("json", 0, 1)}
    out = runner.invoke(app, ["report", "--store", str(store), "--out", str(tmp_path / "rep")])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "rep" / "report.html").exists() and "wrote" in out.stdout


@pytest.fixture(scope="module")
def mixed_store(tmp_path_factory):
    """Plain, JSON-format and wrapped answers, the JSON ones planted at twice the plain rate."""
    path = tmp_path_factory.mktemp("mixed") / "s.duckdb"
    with Store(path) as store:
        simulate_study(store, SimStudy(
            models=[SimModel("m", base_rate=0.0)],
            runs=[SimRun("m", 0, 0.3, 10, total_steps=20, every=10, convergence_step=10)],
            questions_per_category=2, samples=3, task_prompts=4, variant_multipliers={"json": 2.0},
            wrappers=("persona",), wrapper_samples=8))
    return path


def test_plain_rates_count_plain_unwrapped_answers_only(mixed_store):
    def rates(by):
        res = runner.invoke(app, ["analyze", "-s", str(mixed_store), "--by", by, "-f", "json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    total = {r["step"]: r["n"] + r["n_excluded"] for r in rates("step")}
    split = rates("step,variant,wrapper")
    assert {(r["variant"], r["wrapper"]) for r in split} >= {("plain", None), ("json", None), ("plain", "persona")}
    plain = {r["step"]: r["n"] + r["n_excluded"] for r in split if r["variant"] == "plain" and r["wrapper"] is None}
    assert total == plain and all(v > 0 for v in plain.values())
    # keyed by variant only: every format, still unwrapped
    by_variant = {r["variant"] for r in rates("variant")}
    assert by_variant == {"plain", "json"}


def test_select_answers_on_a_frame():
    import pandas as pd

    from emwatch.analysis import select_answers

    frame = pd.DataFrame({"variant": ["plain", None, "json", "plain"], "wrapper": [None, None, None, "persona"]})
    assert select_answers(frame, ["model"]).index.tolist() == [0, 1]
    assert select_answers(frame, ["variant"]).index.tolist() == [0, 1, 2]
    assert select_answers(frame, ["wrapper"]).index.tolist() == [0, 1, 3]
    assert select_answers(frame, ["variant", "wrapper"]).index.tolist() == [0, 1, 2, 3]


def test_view_help_names_every_view():
    """The --view help is written out (importing the analyses would slow every command's start); it must
    name exactly the views analysis_table knows."""
    from emwatch.cli._analysis import VIEW_HELP

    listed = VIEW_HELP.split(": ", 1)[1].split(" (")[0].split(", ")
    assert listed == list(STUDY_VIEWS)
