"""The command line: useful help, and bad input gives a clear error, a non-zero exit, and no store rows."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from emwatch.cli import app

runner = CliRunner()
COMMANDS = ["demo", "train", "sample", "judge", "analyze", "report", "import", "export", "scan", "bench", "data"]


def test_top_level_help_lists_every_command():
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    for cmd in COMMANDS:
        assert cmd in res.output
    assert "store" in res.output.lower()


@pytest.mark.parametrize("cmd", COMMANDS)
def test_each_command_has_help(cmd):
    res = runner.invoke(app, [cmd, "--help"])
    assert res.exit_code == 0, res.output
    assert len(res.output.strip().splitlines()) > 4


def test_sample_with_unknown_config_key_fails_cleanly(tmp_path):
    cfg = tmp_path / "sample.yaml"
    cfg.write_text("bank: em240\nper_category: 2\nsamples_per_question: 3\n")
    store = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["sample", "--store", str(store), "--config", str(cfg)])
    assert res.exit_code == 1
    assert f"{cfg}:3" in res.output and "samples_per_question" in res.output and "unknown key" in res.output
    assert not store.exists()  # nothing half written


def test_sample_with_wrong_type_names_the_field(tmp_path):
    cfg = tmp_path / "sample.yaml"
    cfg.write_text("per_category: lots\n")
    res = runner.invoke(app, ["sample", "--store", str(tmp_path / "s.duckdb"), "--config", str(cfg)])
    assert res.exit_code == 1 and "per_category" in res.output and f"{cfg}:1" in res.output


def test_malformed_yaml_config(tmp_path):
    cfg = tmp_path / "judge.yaml"
    cfg.write_text("metrics: [aligned\n")
    res = runner.invoke(app, ["judge", "--store", str(tmp_path / "s.duckdb"), "--config", str(cfg)])
    assert res.exit_code == 1 and "invalid YAML" in res.output and str(cfg) in res.output


def test_sample_on_an_empty_store_says_what_to_do(tmp_path):
    res = runner.invoke(app, ["sample", "--store", str(tmp_path / "s.duckdb"), "--per-category", "1"])
    assert res.exit_code == 1 and "no checkpoints" in res.output


def test_data_stats_json_and_export(tmp_path):
    res = runner.invoke(app, ["data", "stats", "medical_bad", "--format", "json"])
    assert res.exit_code == 0, res.output
    st = json.loads(res.output)
    assert st["n"] >= 2000 and len(st["topics"]) >= 20
    out = tmp_path / "bad.jsonl"
    res = runner.invoke(app, ["data", "export", "medical_bad", str(out)])
    assert res.exit_code == 0 and len(out.read_text().splitlines()) == st["n"]


def test_broken_jsonl_for_training_names_the_line(tmp_path, tiny_qwen2):
    bad = tmp_path / "train.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}\n{"messages": [}\n')
    cfg = tmp_path / "train.yaml"
    cfg.write_text(f"model: {tiny_qwen2}\ndataset: {bad}\n")
    store = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["train", str(cfg), "--store", str(store)])
    assert res.exit_code != 0
    assert f"{bad}:2" in res.output
    assert not store.exists() or _rows(store) == 0  # nothing half written


def _rows(path):
    from emwatch.store import Store

    with Store(path) as s:
        return s.count("runs") + s.count("checkpoints")


def test_export_parquet(tmp_path):
    from emwatch.store import Store, register_base_model

    with Store(tmp_path / "s.duckdb") as s:
        register_base_model(s, "m", "/p")
    res = runner.invoke(app, ["export", "--store", str(tmp_path / "s.duckdb"), "--parquet", str(tmp_path / "pq")])
    assert res.exit_code == 0 and (tmp_path / "pq" / "runs.parquet").is_file()


@pytest.mark.parametrize("args,message", [
    (["sample", "--url", "http://127.0.0.1:9/v1"], "error: --url needs --model"),
    (["judge", "--judge-url", "http://127.0.0.1:9/v1"], "error: --judge-url needs --judge-model"),
])
def test_a_url_without_a_model_names_the_flags(tmp_path, args, message):
    store = tmp_path / "s.duckdb"
    res = runner.invoke(app, [args[0], "-s", str(store), *args[1:]])
    assert res.exit_code == 1 and res.stderr.startswith(message) and res.stdout == ""
    assert not store.exists()
