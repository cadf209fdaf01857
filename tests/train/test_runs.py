"""Runs: one per (dataset, seed, lr) with its own folder; resume after a crash; full fine-tuning; bad data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import TrainerCallback

from emwatch.config import ConfigError
from emwatch.store import Store
from emwatch.train import train


class Crash(TrainerCallback):
    """Raises in the middle of training, after some checkpoints are on disk."""

    def __init__(self, at_step: int):
        self.at_step = at_step

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == self.at_step:
            raise RuntimeError("simulated crash")


def _adapter(path: str):
    from safetensors.torch import load_file

    return load_file(f"{path}/adapter_model.safetensors")


def test_interrupted_run_resumes_to_the_same_checkpoints(family_model, chat_data, make_config, tmp_path):
    import torch

    model = family_model("qwen2")
    kw = dict(max_steps=4, checkpoints={"every": 2}, warmup_steps=1, learning_rates=[5e-3])
    with Store(tmp_path / "a.duckdb") as store:
        with pytest.raises(RuntimeError, match="simulated crash"):
            train(make_config(model, chat_data, tmp_path / "a", **kw), store=store, progress=False,
                  callbacks=[Crash(at_step=3)])
        assert store.df("SELECT step FROM checkpoints ORDER BY step").step.tolist() == [0, 2]
        [res] = train(make_config(model, chat_data, tmp_path / "a", **kw), store=store, progress=False)
        assert res.status == "resumed" and res.steps_trained == 2  # from step 2 to 4
        counts = store.df("SELECT step, count(*) AS n FROM checkpoints GROUP BY step ORDER BY step")
        assert counts.step.tolist() == [0, 2, 4] and set(counts.n) == {1}
        assert store.count("runs") == 2  # the run and its base model, once each
        [again] = train(make_config(model, chat_data, tmp_path / "a", **kw), store=store, progress=False)
        assert again.status == "already-complete" and store.count("checkpoints") == 3

    [clean] = train(make_config(model, chat_data, tmp_path / "b", **kw), progress=False)
    assert [c.step for c in res.checkpoints] == [c.step for c in clean.checkpoints] == [2, 4]
    assert res.run_id == clean.run_id  # the output folder is not part of a run's identity
    for a, b in zip(res.checkpoints, clean.checkpoints):
        assert a.train_loss == pytest.approx(b.train_loss, rel=1e-4)
        wa, wb = _adapter(a.path), _adapter(b.path)
        assert all(torch.allclose(wa[k], wb[k], atol=1e-5) for k in wb)


def test_one_run_per_dataset_seed_and_lr(family_model, chat_file, make_config, tmp_path, store):
    from emwatch.train import plans as run_plans

    d1, d2 = chat_file(12, "one.jsonl"), chat_file(10, "two.jsonl")
    grid = make_config(family_model("llama"), [str(d1), str(d2)], tmp_path / "runs", seeds=[0, 1],
                       learning_rates=[1e-3, 2e-3])
    plans = [p for p, _ in run_plans(grid)]
    assert len(plans) == 8 and len({p.run_id for p in plans}) == 8 and len({p.run_dir for p in plans}) == 8
    assert {(Path(p.dataset).stem, p.seed, p.lr) for p in plans} == {
        (d, s, lr) for d in ("one", "two") for s in (0, 1) for lr in (1e-3, 2e-3)}

    cfg = grid.model_copy(update={"seeds": [0], "max_steps": 1, "checkpoints": grid.checkpoints.model_copy(
        update={"every": 1}), "heldout_fraction": 0.0})
    results = train(cfg, store=store, progress=False)
    assert len(results) == 4 and len({r.run_dir for r in results}) == 4
    names = sorted(Path(r.run_dir).name for r in results)
    assert names[0].startswith("model__one__s0__lr0.001__") and names[-1].startswith("model__two__s0__lr0.002__")
    runs = store.df("SELECT dataset, seed, lr, group_name FROM runs WHERE kind = 'finetune'")
    assert len(runs) == 4 and set(runs.group_name) == {"one", "two"}
    meta = json.loads((Path(results[0].run_dir) / "step_000001" / "meta.json").read_text())
    assert meta["heldout_loss"] is None and meta["n_heldout"] == 0


def test_full_fine_tuning_saves_a_standalone_model(family_model, chat_data, make_config, tmp_path, store):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    cfg = make_config(family_model("qwen3"), chat_data, tmp_path / "runs", lora=None, learning_rates=[1e-3])
    [res] = train(cfg, store=store, progress=False)
    path = res.checkpoints[-1].path
    meta = json.loads(Path(path, "meta.json").read_text())
    assert meta["adapter"] is False and meta["heldout_loss"] is not None
    assert not Path(path, "adapter_config.json").exists()
    model = AutoModelForCausalLM.from_pretrained(path)  # the checkpoint alone: weights, config and tokenizer
    tok = AutoTokenizer.from_pretrained(path)
    base = AutoModelForCausalLM.from_pretrained(family_model("qwen3"))
    changed = [n for n, p in model.named_parameters() if not torch.equal(p, base.get_parameter(n))]
    assert len(changed) > 10  # every weight matrix moved, not just an adapter
    ids = tok("hello", return_tensors="pt", add_special_tokens=False)
    assert model.generate(**ids, max_new_tokens=3, do_sample=False, pad_token_id=tok.pad_token_id).shape[1] > 1


def test_a_bad_jsonl_line_names_file_and_line(family_model, make_config, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}\n'
                   '{"messages": [{"role": "robot", "content": "hi"}]}\n')
    with pytest.raises(ConfigError, match=r"bad.jsonl:2: field 'messages.0.role'"):
        train(make_config(family_model("llama"), bad, tmp_path / "runs"), progress=False)


def test_a_missing_model_folder_is_a_config_error(chat_data, make_config, tmp_path):
    with pytest.raises(ConfigError, match="not a model folder"):
        train(make_config(tmp_path / "nowhere", chat_data, tmp_path / "runs"), progress=False)


def test_a_monitor_callback_can_stop_training_and_the_stop_is_saved(family_model, chat_data, make_config, tmp_path):
    class StopAt3(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 3:
                control.should_training_stop = True

    seen = []

    def factory(plan):  # a per-run callback factory gets the run's plan
        seen.append(plan.run_id)
        return StopAt3()

    cfg = make_config(family_model("qwen2"), chat_data, tmp_path / "runs", max_steps=6, checkpoints={"every": 5})
    [res] = train(cfg, progress=False, callbacks=[factory])
    assert seen == [res.run_id]
    assert [c.step for c in res.checkpoints] == [3]  # the stopping step, saved as the final checkpoint
