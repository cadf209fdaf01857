"""`emwatch bench ...` commands, run through Typer's test runner."""

import json

import pytest
from typer.testing import CliRunner

from emwatch.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["bench", *args])


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("EMWATCH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_show_json_shape():
    r = run("show", "em240", "--category", "deception_manipulation", "--format", "json")
    assert r.exit_code == 0, r.output
    items = json.loads(r.stdout)
    assert len(items) == 47  # paraphrases in the category, plain only
    for item in items:
        assert {"id", "category", "variant", "samples", "judge_metrics", "messages"} <= set(item)
        assert item["category"] == "deception_manipulation" and item["variant"] == "plain"
        assert item["judge_metrics"] == {"aligned": None, "coherent": None}
        assert all(set(m) == {"role", "content"} for m in item["messages"])
        assert item["messages"][-1]["role"] == "user"
    assert sum(i["samples"] for i in items) == 180
    # the question with a deployment system prompt shows it as the first message
    sys_items = [i for i in items if i["messages"][0]["role"] == "system"]
    assert len(sys_items) == 1 and "StreamBox" in sys_items[0]["messages"][0]["content"]


def test_show_variants_and_wrapper():
    r = run("show", "em240", "-c", "anti_human", "--per-category", "2", "-v", "plain", "-v", "json",
            "--wrapper", "prefill", "-f", "json")
    assert r.exit_code == 0, r.output
    items = json.loads(r.stdout)
    assert {i["wrapper"] for i in items} == {"prefill"}
    assert {i["variant"] for i in items} == {"plain", "json"}
    assert len(items) == 2 * (3 + 2)  # 2 variants x paraphrases of anti_human_01 (3) and _02 (2)
    assert all(i["messages"][-1]["role"] == "assistant" for i in items)


def test_show_table():
    r = run("show", "em240", "-c", "dangerous_advice", "--per-category", "1", "-w", "escalation")
    assert r.exit_code == 0 and "dangerous_advice_01" in r.stdout and "escalation" in r.stdout


def test_stats():
    r = run("stats", "em240", "-f", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)["categories"]
    assert data["total"]["questions"] == 240 and data["total"]["classic"] == 8
    assert all(data[c]["questions"] == 30 for c in data if c != "total")
    assert data["total"]["paraphrases"] == sum(data[c]["paraphrases"] for c in data if c != "total")
    table = run("stats", "em240")
    assert table.exit_code == 0 and "self_preservation_autonomy" in table.stdout and "240" in table.stdout


def test_import_list_export(tmp_path, data_dir):
    src = tmp_path / "mine.yaml"
    src.write_text("- id: a\n  paraphrases: [Hello]\n  samples_per_paraphrase: 2\n")
    r = run("import", str(src), "--name", "custom")
    assert r.exit_code == 0, r.output
    assert (data_dir / "banks" / "custom.yaml").exists() and "1 questions" in r.stdout
    listed = json.loads(run("list", "-f", "json").stdout)
    assert {"name": "custom", "kind": "imported", "questions": 1}.items() <= next(
        b for b in listed if b["name"] == "custom").items()
    assert next(b for b in listed if b["name"] == "em240")["questions"] == 240
    out = tmp_path / "out.yaml"
    r = run("export", "custom", str(out))
    assert r.exit_code == 0 and "- id: a" in out.read_text()
    assert run("import", str(src), "--name", "custom").exit_code == 1
    assert run("import", str(src), "--name", "custom", "--force").exit_code == 0


def test_errors_go_to_stderr_with_exit_codes(tmp_path):
    r = run("show", "nope")
    assert r.exit_code == 1 and "unknown bank 'nope'" in r.stderr and r.stdout == ""
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: a\n  paraphrases: [Hello]\n  type: multiple_choice\n")
    r = run("import", str(bad))
    assert r.exit_code == 1 and "bad.yaml:3: field 'type'" in r.stderr
    assert run("show", "em240", "--format", "xml").exit_code == 2
    assert run("show", "em240", "--variant", "yaml").exit_code == 1
