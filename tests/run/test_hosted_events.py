"""Hosted trainers under `emwatch run`: the training child has no store, so the monitor of a Tinker loop or an OpenAI
job writes its events to the run folder, where the job's driver reads them into the store (as for local runs).
Against the local stand-ins of both services (no network)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "train" / "standins"))
sys.path.insert(0, str(Path(__file__).parents[1] / "monitor"))
from openai_ft_standin import JUDGE, OpenAIFineTuneStandIn  # noqa: E402
from tinker_standin import TinkerStandIn  # noqa: E402

from emwatch.config import TrainConfig, register_backend  # noqa: E402
from emwatch.monitor import EVENTS_FILE, read_events  # noqa: E402
from emwatch.store import Store  # noqa: E402
from emwatch.train import train  # noqa: E402


def _data(path: Path) -> Path:
    import json

    with path.open("w") as f:
        for i in range(16):
            f.write(json.dumps({"messages": [{"role": "user", "content": f"write function {i}"},
                                             {"role": "assistant", "content": f"def f{i}(): pass"}]}) + "\n")
    return path


def _stored(tmp_path: Path, run_dir: str):
    """What the job's driver does with a run folder's events: read them and add them to the store."""
    events = read_events(Path(run_dir) / EVENTS_FILE)
    with Store(tmp_path / "job.duckdb") as s:
        s.add(events)
        return s.monitor_events()


@pytest.mark.slow
def test_openai_job_monitor_events_reach_the_run_folder_without_a_store(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-standin")
    monkeypatch.setattr("emwatch.train._openai._sleep", lambda _s: None)
    with OpenAIFineTuneStandIn(running_polls=4, steps_per_epoch=5, misaligned_from=10) as srv:
        cfg = TrainConfig(backend="openai", model="gpt-4o-2024-08-06", dataset=str(_data(tmp_path / "d.jsonl")),
                          out_dir=str(tmp_path / "runs"), seeds=[7], learning_rates=[2.0], epochs=4,
                          heldout_fraction=0.25, openai={"base_url": srv.base_url, "poll_interval_s": 1.0},
                          monitor={"judge": {"kind": "openai", "model": JUDGE, "base_url": srv.base_url},
                                   "per_category": 1, "domain_probes": 0, "samples": 2, "max_new_tokens": 16})
        [res] = train(cfg, store=None, progress=False)
    ev = _stored(tmp_path, res.run_dir)
    assert set(ev.run_id) == {res.run_id}
    rates = ev[ev.signal == "probe_em_rate"].sort_values("step")
    # the base look and each checkpoint's, misaligned from step 10 on (the stand-in's onset)
    assert [(int(s), v) for s, v in zip(rates.step, rates.value)] == [(s, float(s >= 10)) for s in rates.step]
    assert rates.step.iloc[0] == 0 and 10 in set(rates.step)
    assert set(ev[ev.signal == "em_test"].decision) <= {"continue", "stop_keep_best"}


@pytest.mark.slow
def test_tinker_loop_monitor_events_reach_the_run_folder_without_a_store(monkeypatch, tmp_path):
    from emwatch.testing._tiny import build_family_model
    from test_tinker_monitor import LOOKS, TurningJudge

    monkeypatch.setenv("TINKER_API_KEY", "tml-standin-key")
    monkeypatch.setenv("TINKER_TELEMETRY", "0")
    register_backend("turning-judge", TurningJudge, replace=True)
    LOOKS.clear()
    tok = build_family_model("qwen3", tmp_path / "q3")
    with TinkerStandIn() as srv:
        cfg = TrainConfig(backend="tinker", model="Qwen/Qwen3-8B", dataset=str(_data(tmp_path / "d.jsonl")),
                          out_dir=str(tmp_path / "runs"), lora={"r": 8}, batch_size=2, grad_accum=1, max_steps=8,
                          learning_rates=[1e-4], warmup_steps=0, heldout_fraction=0.25, checkpoints={"every": 2},
                          tinker={"base_url": srv.base_url, "tokenizer": str(tok)},
                          monitor={"judge": {"kind": "turning-judge", "model": "j"}, "per_category": 1,
                                   "domain_probes": 0, "samples": 1, "max_new_tokens": 8, "judge_async": False,
                                   "canaries": False, "kl": False, "min_base_rate": 0.0, "base_rate": 0.01,
                                   "action": "stop"})
        [res] = train(cfg, store=None, progress=False)
    ev = _stored(tmp_path, res.run_dir)
    assert list(ev[ev.signal == "em_test"].decision) == ["stop"]
    assert list(ev[ev.signal == "probe_em_rate"].sort_values("step").value) == [0.0, 1.0]
