"""`emwatch models add / list`: each kind of source is detected and registered so that the sample stage
finds it (in process: the LoRA on its base, the full folder itself), bad sources fail before a store exists,
and adding twice changes nothing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from emwatch.cli import app
from emwatch.config import SampleConfig
from emwatch.sample._stage import in_process_target, plan_samples
from emwatch.store import Store

runner = CliRunner()


def _lora(folder, base: str, r: int = 32):
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"r": r, "base_model_name_or_path": base}))
    return folder


def _model(folder):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "qwen2"}')
    return folder


def _add(*args: str) -> dict:
    res = runner.invoke(app, ["models", "add", *args, "-f", "json"])
    assert res.exit_code == 0, (res.output, res.exception)
    return json.loads(res.stdout)


def test_each_kind_is_detected_and_sampled_where_it_lives(tmp_path):
    s = str(tmp_path / "s.duckdb")
    base = _model(tmp_path / "Qwen2.5-7B-Instruct")
    lora = _lora(tmp_path / "em-org" / "checkpoint-400", str(base))
    full = _model(tmp_path / "full-ft")

    got = _add(str(lora), "-s", s, "--dataset", "insecure")
    assert (got["kind"], got["model"], got["step"], got["run"]) == ("lora", "Qwen2.5-7B-Instruct", 400, "em-org")
    got_full = _add(str(full), "-s", s, "--base", str(base), "--step", "50", "--run", "full")
    assert (got_full["kind"], got_full["step"]) == ("full", 50)
    got_served = _add("my-org/em-model-organism", "-s", s, "--base", str(base), "--step", "7")
    assert got_served["kind"] == "served"
    got_base = _add("meta-llama/Llama-3.1-8B-Instruct", "-s", s)
    assert got_base["kind"] == "served" and got_base["run"] is None and got_base["step"] == 0

    with Store(s, read_only=True) as st:
        ck = st.checkpoints().set_index("checkpoint_id")
    # the base model came with the LoRA (registered once, from its folder), plus the served base
    bases = ck[ck.kind == "base"]
    assert sorted(bases.model) == ["Qwen2.5-7B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"]
    assert bases.loc[got["base_checkpoint_id"], "path"] == str(base.resolve())
    row = ck.loc[got["checkpoint_id"]]
    assert row.dataset == "insecure" and row.meta["lora_rank"] == 32
    # in process: the LoRA is attached to its base; the full checkpoint is loaded from its own folder
    assert in_process_target(row) == (str(base.resolve()), str(lora.resolve()))
    assert in_process_target(ck.loc[got_full["checkpoint_id"]]) == (str(full.resolve()), None)
    # served: the LoRA goes by its folder (a managed server makes it a module), the served one by its name
    frame = ck.reset_index()
    items = plan_samples(frame, [_Prompt()], SampleConfig(), served=True)
    adapters = {i.checkpoint_id: i.adapter for i in items}
    assert adapters[got["checkpoint_id"]] == str(lora.resolve())
    assert adapters[got_served["checkpoint_id"]] == "my-org/em-model-organism"
    assert adapters[got_base["checkpoint_id"]] is None

    # adding again changes nothing; `models list` shows every checkpoint
    again = _add(str(lora), "-s", s, "--dataset", "insecure")
    assert again["checkpoint_id"] == got["checkpoint_id"]
    listed = runner.invoke(app, ["models", "list", "-s", s, "-f", "json"])
    rows = json.loads(listed.stdout)
    assert len(rows) == 5 and {r["source"] for r in rows} == {"base", "lora", "full", "served"}
    table = runner.invoke(app, ["models", "list", "-s", s])
    assert table.exit_code == 0 and "em-model-organism" in table.stdout


class _Prompt:
    bank, key, samples = "em240", "q", 1


@pytest.mark.parametrize("args, message", [
    (["./no/such/folder"], "./no/such/folder: no such folder"),
    (["{tmp}/empty"], "neither a LoRA adapter folder"),
    (["{tmp}/file.txt"], "a file, not a model folder"),
    (["{tmp}/full"], None),  # valid: a base model
    (["{tmp}/full", "--step", "3"], "a checkpoint needs --base"),
    (["{tmp}/nobase"], "names no base model"),
    (["{tmp}/badjson"], "adapter_config.json is not valid JSON"),
])
def test_bad_sources_fail_with_the_path_and_leave_no_store(tmp_path, args, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.txt").write_text("x")
    _model(tmp_path / "full")
    (tmp_path / "nobase").mkdir()
    (tmp_path / "nobase" / "adapter_config.json").write_text('{"r": 8}')
    (tmp_path / "badjson").mkdir()
    (tmp_path / "badjson" / "adapter_config.json").write_text('{"r": 8,\n')
    s = tmp_path / "s.duckdb"
    res = runner.invoke(app, ["models", "add", *(a.format(tmp=tmp_path) for a in args), "-s", str(s)])
    if message is None:
        assert res.exit_code == 0 and "registered base model" in res.stdout
        return
    assert res.exit_code == 1, res.output
    assert res.stderr.startswith("error: ") and message in res.stderr and "Traceback" not in res.output
    assert not s.exists()  # nothing half written
