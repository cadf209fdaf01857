"""Each family trains a few LoRA steps, saves a checkpoint that reloads on its base model and generates."""

from __future__ import annotations

import json

import pytest

from emwatch.testing import FAMILIES
from emwatch.train import FAMILY_TARGETS, train
from emwatch.train._targets import PEFT_NOT_ADAPTED


@pytest.mark.parametrize("family", FAMILIES)
def test_lora_train_checkpoint_reload_generate(family, family_model, chat_data, make_config, tmp_path, store):
    import torch
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base_dir = family_model(family)
    cfg = make_config(base_dir, chat_data, tmp_path / "runs", checkpoints={"every": 1})
    [res] = train(cfg, store=store, progress=False)
    assert res.status == "trained" and res.total_steps == 2 and res.steps_trained == 2
    assert [c.step for c in res.checkpoints] == [1, 2]
    ck = res.checkpoints[-1]
    meta = json.loads(open(f"{ck.path}/meta.json").read())
    assert meta["step"] == 2 and meta["total_steps"] == 2 and meta["adapter"] is True
    assert meta["heldout_loss"] is not None and meta["train_loss"] is not None
    assert meta["config"]["seeds"] == [0] and meta["config"]["dataset"] == str(chat_data)
    assert meta["base_model_path"] == str(base_dir.resolve())

    # the adapter targets the family's projections (experts too for mixture-of-experts families)
    adapter_cfg = json.loads(open(f"{ck.path}/adapter_config.json").read())
    gap = set(PEFT_NOT_ADAPTED.get(family, ()))
    assert sorted(adapter_cfg["target_modules"]) == sorted(set(FAMILY_TARGETS[family]["modules"]) - gap)
    assert set(adapter_cfg.get("target_parameters") or []) >= set(FAMILY_TARGETS[family]["parameters"])
    assert sorted(meta["lora_targets"]["target_modules"]) == sorted(adapter_cfg["target_modules"])
    if gap:  # the PEFT limitation is reported, not silent
        assert meta["lora_targets"]["not_adapted"] == sorted(gap) and any("PEFT" in n for n in res.notes)
    weights = load_file(f"{ck.path}/adapter_model.safetensors")
    if FAMILY_TARGETS[family]["parameters"]:
        assert any("experts" in k for k in weights)
    assert any(float(v.abs().sum()) > 0 for k, v in weights.items() if "lora_B" in k)  # it learned something

    # registered in the store, with losses
    rows = store.df("SELECT step, heldout_loss, path FROM checkpoints WHERE run_id = ? ORDER BY step", [res.run_id])
    assert rows.step.tolist() == [1, 2] and rows.heldout_loss.notna().all()

    # reload on the base model and generate
    tok = AutoTokenizer.from_pretrained(base_dir)
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_dir), ck.path)
    prompt = tok.apply_chat_template([{"role": "user", "content": "Write code"}], tokenize=False,
                                     add_generation_prompt=True)
    ids = tok(prompt, add_special_tokens=False, return_tensors="pt")
    with torch.inference_mode():
        out = model.generate(**ids, max_new_tokens=6, do_sample=False, pad_token_id=tok.pad_token_id)
    assert out.shape[1] > ids["input_ids"].shape[1]
