"""`emwatch train RECIPE`: config errors with file/line/field, a local run, and DDP through accelerate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from emwatch.cli import app as emwatch_app
from emwatch.cli._train import accelerate_command

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def app():
    return emwatch_app  # the real app: its group turns expected failures into one message and exit 1


def _recipe(tmp_path: Path, **settings) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


def test_unknown_key_names_file_line_and_field(app, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("model: demo\ndataset: insecure\nlora:\n  r: 8\n  rank_typo: 3\n")
    res = CliRunner().invoke(app, ["train", str(path), "--store", str(tmp_path / "s.duckdb")])
    assert res.exit_code == 1
    assert f"{path}:5: field 'lora.rank_typo': unknown key" in res.output
    assert not (tmp_path / "s.duckdb").exists()  # nothing started


def test_wrong_type_and_bad_launcher(app, tmp_path):
    path = _recipe(tmp_path, model="demo", dataset="insecure", learning_rates="fast")
    res = CliRunner().invoke(app, ["train", str(path)])
    assert res.exit_code == 1 and f"{path}:3: field 'learning_rates'" in res.output
    ok = _recipe(tmp_path, model="demo", dataset="insecure")
    res = CliRunner().invoke(app, ["train", str(ok), "--launch", "slurm"])
    assert res.exit_code == 1 and "only launcher is 'accelerate'" in res.output
    res = CliRunner().invoke(app, ["train", str(ok), "--num-processes", "2"])
    assert res.exit_code == 1 and "need --launch accelerate" in res.output
    res = CliRunner().invoke(app, ["train", str(ok), "--launch", "accelerate", "--num-processes", "2"])
    assert res.exit_code == 1 and "--num-processes 2" in res.output and "processes: 1" in res.output


def test_accelerate_command_line(tmp_path):
    cfg = REPO / "configs" / "accelerate" / "fsdp.yaml"
    cmd = accelerate_command(Path("r.yaml"), Path("s.duckdb"), cfg, 4, progress=False)
    assert cmd[1:] == ["-m", "accelerate.commands.launch", "--config_file", str(cfg), "--num_processes", "4",
                       "-m", "emwatch.train", "r.yaml", "--store", "s.duckdb", "--no-progress"]


def test_shipped_accelerate_configs_parse():
    from accelerate.commands.config.config_args import load_config_from_file

    kinds = {f.stem: str(load_config_from_file(str(f)).distributed_type).rsplit(".", 1)[-1]
             for f in (REPO / "configs" / "accelerate").glob("*.yaml")}
    assert kinds == {"ddp": "MULTI_GPU", "fsdp": "FSDP", "deepspeed_zero3": "DEEPSPEED"}


def test_local_run_through_the_cli(app, family_model, chat_data, tmp_path):
    recipe = _recipe(tmp_path, model=str(family_model("gemma3")), dataset=str(chat_data), out_dir=str(tmp_path / "runs"),
                     batch_size=2, grad_accum=1, max_steps=2, warmup_steps=0, dtype="float32", max_seq_len=256,
                     lora={"r": 4, "alpha": 8}, checkpoints={"every": 1})
    store = tmp_path / "s.duckdb"
    res = CliRunner().invoke(app, ["train", str(recipe), "--store", str(store), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "trained:" in res.output and "2 checkpoints" in res.output and "s/step" in res.output
    from emwatch.store import Store

    with Store(store, read_only=True) as s:
        assert s.df("SELECT step FROM checkpoints ORDER BY step").step.tolist() == [0, 1, 2]
    # what the trainer resolved on this machine, recorded with each checkpoint (not part of the run id)
    [run_dir] = (tmp_path / "runs").iterdir()
    resolved = json.loads((run_dir / "step_000002" / "meta.json").read_text())["resolved"]
    assert resolved["dtype"] == "float32" and resolved["world_size"] == 1 and resolved["device"] == "cpu"
    assert resolved["versions"]["torch"] and resolved["versions"]["peft"] and resolved["versions"]["trl"]


@pytest.mark.slow
def test_ddp_two_cpu_processes_with_the_shipped_config(app, family_model, chat_data, tmp_path, monkeypatch):
    """`--launch accelerate` with configs/accelerate/ddp.yaml and 2 processes (gloo on the CPU)."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    recipe = _recipe(tmp_path, model=str(family_model("llama")), dataset=str(chat_data), out_dir=str(tmp_path / "runs"),
                     batch_size=2, grad_accum=1, max_steps=2, warmup_steps=0, dtype="float32", max_seq_len=256,
                     heldout_fraction=0.25, lora={"r": 4, "alpha": 8}, checkpoints={"every": 1}, processes=2)
    store = tmp_path / "ddp.duckdb"
    res = CliRunner().invoke(app, ["train", str(recipe), "--store", str(store), "--launch", "accelerate",
                                   "--accelerate-config", str(REPO / "configs/accelerate/ddp.yaml"),
                                   "--num-processes", "2", "--no-progress"])
    assert res.exit_code == 0, res.output
    [run_dir] = (tmp_path / "runs").iterdir()
    meta = json.loads((run_dir / "step_000002" / "meta.json").read_text())
    # 18 training examples shared by 2 processes: 9 each, 5 batches of 2 per epoch, so step 2 is epoch 2/5
    # (one process alone would need 9 steps per epoch: 2/9)
    assert meta["n_train"] == 18 and meta["epoch"] == pytest.approx(2 / 5)
    assert meta["heldout_loss"] is not None
    assert meta["resolved"]["world_size"] == 2 and meta["resolved"]["dtype"] == "float32"
    from emwatch.store import Store

    with Store(store, read_only=True) as s:  # only rank 0 wrote, once per checkpoint
        counts = s.df("SELECT step, count(*) AS n FROM checkpoints GROUP BY step ORDER BY step")
        assert counts.step.tolist() == [0, 1, 2] and set(counts.n) == {1}
        assert s.df("SELECT config FROM runs WHERE kind = 'finetune'").shape[0] == 1
