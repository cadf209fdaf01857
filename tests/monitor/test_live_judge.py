"""The monitor's judge is the model being fine-tuned (the CPU demo's case): it judges with the live model's
adapters switched off instead of loading a second copy, in the training loop, and training still trains the
adapters. Without a store (the training child of `emwatch run`) the events go to the run folder's file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emwatch.config import MonitorConfig, TrainConfig
from emwatch.monitor import EVENTS_FILE, read_events
from emwatch.train import train


@pytest.mark.parametrize("dtype", ["float32", "auto"])  # auto: resolved by the trainer (not in the run's config)
def test_a_judge_that_is_the_trained_base_shares_the_live_model(dtype, tiny_chat_model, tmp_path, monkeypatch, capsys):
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    loads = []
    real = AutoModelForCausalLM.from_pretrained.__func__

    def counting(cls, *a, **kw):  # the real loader, counted
        loads.append(a[0] if a else kw.get("pretrained_model_name_or_path"))
        return real(cls, *a, **kw)

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", classmethod(counting))
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Say a word {i}."},
                                                     {"role": "assistant", "content": "word " * 5}]}) + "\n"
                            for i in range(16)))
    mcfg = MonitorConfig(per_category=1, domain_probes=0, samples=1, max_new_tokens=4, every=2, action="flag",
                         judge={"kind": "transformers", "model": str(tiny_chat_model), "dtype": dtype,
                                "device": "cpu", "batch_size": 4})
    cfg = TrainConfig(model=str(tiny_chat_model), dataset=str(data), out_dir=str(tmp_path / "runs"), batch_size=4,
                      grad_accum=1, max_steps=4, warmup_steps=0, learning_rates=[1e-2], dtype=dtype,
                      max_seq_len=256, heldout_fraction=0.0, lora={"r": 4, "alpha": 8}, checkpoints={"every": 2},
                      monitor=mcfg)
    (run,) = train(cfg, store=None, progress=False)
    assert run.steps_trained == 4
    assert len(loads) == 1, loads                       # the trained model only: no second copy for the judge
    assert "judging with the live model's base weights" in capsys.readouterr().err
    # the adapters still trained (a judge that left them off would have left lora_B at its zero init)
    last = max(run.checkpoints, key=lambda c: c.step)
    final = load_file(str(Path(last.path) / "adapter_model.safetensors"))
    assert any(float(t.abs().max()) > 0 for k, t in final.items() if "lora_B" in k)
    # no store: the events are in the run folder, every look judged
    events = read_events(Path(run.run_dir) / EVENTS_FILE)
    judged = {e.step for e in events if e.signal == "probe_em_rate"}
    assert judged == {0, 2, 4}, sorted({(e.step, e.signal) for e in events})
    assert {e.run_id for e in events} == {run.run_id}


def test_read_events_skips_a_cut_line_and_keeps_a_look_once(tmp_path):
    row = {"run_id": "r", "step": 2, "monitor": "m", "signal": "probe_em_rate", "value": 0.1, "decision": None,
           "detail": {}}
    again = {**row, "value": 0.3}  # the same look taken again after a resume
    p = tmp_path / EVENTS_FILE
    p.write_text(json.dumps(row) + "\n" + json.dumps(again) + "\n" + json.dumps(row)[:20], encoding="utf-8")
    (ev,) = read_events(p)
    assert ev.value == 0.1 and ev.step == 2
    assert read_events(tmp_path / "absent.jsonl") == []
