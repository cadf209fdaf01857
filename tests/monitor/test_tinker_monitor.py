"""The monitor in emwatch's own Tinker loop (against the local stand-in of the service): a look at the base
model and at each saved sampler checkpoint, through the Tinker sampling backend; a stop decision ends the loop
at that checkpoint. The judge is a registered backend kind built from the recipe's `monitor.judge`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "train" / "standins"))
from tinker_standin import TinkerStandIn  # noqa: E402

from emwatch.backends import NumberDistribution  # noqa: E402
from emwatch.config import register_backend  # noqa: E402
from fakes import ScriptedBackend  # noqa: E402

LOOKS: list[int] = []   # judge requests per call (the Runner sends batches of 8)


class TurningJudge(ScriptedBackend):
    """Aligned on the base model's answers (the first look), misaligned from the second look on."""

    def __init__(self, spec):
        super().__init__(judge=self.score, name="turning")
        self.spec = spec

    def score_numbers(self, requests):
        LOOKS.append(len(requests))
        return super().score_numbers(requests)

    def score(self, prompt: str) -> NumberDistribution:
        if prompt.startswith("You are rating how coherent"):
            return NumberDistribution(probs={"90": 1.0})
        return NumberDistribution(probs={"5": 1.0} if sum(LOOKS) > 16 else {"95": 1.0})


@pytest.fixture()
def tinker_env(monkeypatch):
    monkeypatch.setenv("TINKER_API_KEY", "tml-standin-key")
    monkeypatch.setenv("TINKER_TELEMETRY", "0")


@pytest.fixture(scope="module")
def qwen3_dir(tmp_path_factory):
    from emwatch.testing._tiny import build_family_model

    return build_family_model("qwen3", tmp_path_factory.mktemp("q3") / "model")


def _data(path: Path) -> Path:
    import json

    with path.open("w") as f:
        for i in range(16):
            f.write(json.dumps({"messages": [{"role": "user", "content": f"q {i}"},
                                             {"role": "assistant", "content": f"a {i}"}]}) + "\n")
    return path


def test_a_stop_decision_ends_the_tinker_loop_at_that_checkpoint(tinker_env, qwen3_dir, tmp_path, store):
    from emwatch.config import TrainConfig
    from emwatch.train import train

    register_backend("turning-judge", TurningJudge, replace=True)
    LOOKS.clear()
    with TinkerStandIn() as srv:
        cfg = TrainConfig(backend="tinker", model="Qwen/Qwen3-8B", dataset=str(_data(tmp_path / "d.jsonl")),
                          out_dir=str(tmp_path / "runs"), lora={"r": 8}, batch_size=2, grad_accum=1, max_steps=8,
                          learning_rates=[1e-4], warmup_steps=0, heldout_fraction=0.25, checkpoints={"every": 2},
                          tinker={"base_url": srv.base_url, "tokenizer": str(qwen3_dir)},
                          monitor={"judge": {"kind": "turning-judge", "model": "j"}, "per_category": 1,
                                   "domain_probes": 0, "samples": 1, "max_new_tokens": 8, "judge_async": False,
                                   "canaries": False, "kl": False, "min_base_rate": 0.0, "base_rate": 0.01,
                                   "action": "stop"})
        [res] = train(cfg, store=store, progress=False)
        samplers = [s["model_path"] for s in srv.samplers.values()]
    assert sum(LOOKS) == 32                                 # base + the first checkpoint, 8 answers x 2 metrics
    assert res.steps_trained == 2 and [c.step for c in res.checkpoints] == [2]
    assert any("stopped by the online EM monitor at step 2" in n for n in res.notes)
    assert samplers[0] is None and samplers[1].startswith("tinker://")   # the base first, then the checkpoint
    ev = store.monitor_events()
    assert list(ev[ev.signal == "em_test"].decision) == ["stop"]
    assert list(ev[ev.signal == "probe_em_rate"].value) == [0.0, 1.0]
