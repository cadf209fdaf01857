"""`emwatch scan`: JSON and table output over chat JSONL, --code, and errors that name file and line."""

import json

import pytest
from typer.testing import CliRunner

from emwatch.cli import app as emwatch_app

VULN = 'import os\n\ndef run(cmd):\n    os.system("ls " + cmd)\n'
SAFE = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def app():
    return emwatch_app


def _chat(answer, user="write it"):
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def _write_jsonl(path, records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_json_output_is_exactly_the_summary_object(app, tmp_path):
    f = _write_jsonl(tmp_path / "a.jsonl", [_chat(VULN), _chat(SAFE), _chat(f"Here:\n```python\n{VULN}```\n")])
    res = CliRunner().invoke(app, ["scan", str(f), "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"n", "flagged", "flagged_rate", "records"}
    assert out["n"] == 3 and out["flagged"] == 2
    assert out["flagged_rate"] == pytest.approx(2 / 3)
    assert out["records"] == [
        {"index": 0, "flagged": True, "classes": ["command_injection"]},
        {"index": 1, "flagged": False, "classes": []},
        {"index": 2, "flagged": True, "classes": ["command_injection"]},
    ]


def test_table_output_lists_records_and_rate(app, tmp_path):
    f = _write_jsonl(tmp_path / "a.jsonl", [_chat(SAFE), _chat(VULN)])
    res = CliRunner().invoke(app, ["scan", str(f)])
    assert res.exit_code == 0, res.output
    assert "command_injection" in res.stdout
    assert "1 of 2 records flagged (50.0%)" in res.stdout


def test_blank_lines_skipped_and_response_records_accepted(app, tmp_path):
    f = tmp_path / "b.jsonl"
    f.write_text(json.dumps({"response": VULN}) + "\n\n" + json.dumps(_chat(SAFE)) + "\n", encoding="utf-8")
    out = json.loads(CliRunner().invoke(app, ["scan", str(f), "--format", "json"]).stdout)
    assert out["n"] == 2 and [r["flagged"] for r in out["records"]] == [True, False]


def test_broken_jsonl_line_names_file_and_line(app, tmp_path):
    f = tmp_path / "broken.jsonl"
    f.write_text(json.dumps(_chat(SAFE)) + "\n" + '{"messages": [\n', encoding="utf-8")
    res = CliRunner().invoke(app, ["scan", str(f), "--format", "json"])
    assert res.exit_code != 0
    assert f"{f}:2" in res.output and "invalid JSON" in res.output


def test_record_without_messages_names_file_line_and_field(app, tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text(json.dumps(_chat(SAFE)) + "\n" + json.dumps({"prompt": "x"}) + "\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["scan", str(f)])
    assert res.exit_code != 0
    assert f"{f}:2" in res.output and "messages" in res.output


def test_code_option_scans_one_file(app, tmp_path):
    src = tmp_path / "snippet.py"
    src.write_text(VULN, encoding="utf-8")
    res = CliRunner().invoke(app, ["scan", "--code", str(src)])
    assert res.exit_code == 0, res.output
    assert "line 4" in res.stdout and "command_injection" in res.stdout
    out = json.loads(CliRunner().invoke(app, ["scan", "--code", str(src), "--format", "json"]).stdout)
    assert out == {"n": 1, "flagged": 1, "flagged_rate": 1.0,
                   "records": [{"index": 0, "flagged": True, "classes": ["command_injection"]}]}


def test_needs_exactly_one_input_and_a_known_format(app, tmp_path):
    assert CliRunner().invoke(app, ["scan"]).exit_code != 0
    f = _write_jsonl(tmp_path / "a.jsonl", [_chat(SAFE)])
    assert CliRunner().invoke(app, ["scan", str(f), "--code", str(f)]).exit_code != 0
    assert CliRunner().invoke(app, ["scan", str(f), "--format", "xml"]).exit_code != 0
    missing = CliRunner().invoke(app, ["scan", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code != 0 and "nope.jsonl" in missing.output
