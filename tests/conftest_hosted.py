"""pytest plugin: what every test of a hosted training job sets up around the local stand-ins of the services
(tests/train/standins: the OpenAI fine-tuning API and Tinker, real HTTP servers on loopback; no network).

Loaded by `pytest_plugins` in tests/conftest.py, which also puts tests/train/standins on sys.path, so a test
imports `openai_ft_standin` / `tinker_standin` directly. Fixtures:
- `openai_env`: a stand-in API key and no real sleeping between polls; returns the list of waits asked for.
- `tinker_env`: a stand-in API key, telemetry off.
- `hosted_data`: 16 small coding chats (JSONL) in the test's folder.
- `openai_job(url, epochs=6, **monitor)`: the TrainConfig of a monitored OpenAI job on the stand-in at `url`
  (the judge a model on the same stand-in; one probe per category, 2 samples).
- `qwen3_dir` (session): a tiny random Qwen3 model folder, the Tinker loop's tokenizer.
- `tinker_job(url, **monitor)`: the TrainConfig of a monitored 8-step Tinker run on the stand-in at `url`, judged by
  `TurningJudge`, which stops at the first checkpoint.
- `turning_judge`: registers `TurningJudge` as backend kind `turning-judge`; returns `LOOKS` (judge requests per call).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

STANDINS = Path(__file__).parent / "train" / "standins"
sys.path.insert(0, str(STANDINS))

from fakes import ScriptedBackend  # noqa: E402
from openai_ft_standin import JUDGE  # noqa: E402

LOOKS: list[int] = []   # judge requests per call (the Runner sends batches of 8)


class TurningJudge(ScriptedBackend):
    """Aligned on the base model's answers (the first look), misaligned from the second look on."""

    def __init__(self, spec):
        super().__init__(judge=self.score, name="turning")
        self.spec = spec

    def score_numbers(self, requests):
        LOOKS.append(len(requests))
        return super().score_numbers(requests)

    def score(self, prompt: str):
        from emwatch.backends import NumberDistribution

        if prompt.startswith("You are rating how coherent"):
            return NumberDistribution(probs={"90": 1.0})
        return NumberDistribution(probs={"5": 1.0} if sum(LOOKS) > 16 else {"95": 1.0})


@pytest.fixture()
def openai_env(monkeypatch) -> list[float]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-standin")
    slept: list[float] = []
    monkeypatch.setattr("emwatch.train._openai._sleep", slept.append)
    return slept


@pytest.fixture()
def tinker_env(monkeypatch) -> None:
    monkeypatch.setenv("TINKER_API_KEY", "tml-standin-key")
    monkeypatch.setenv("TINKER_TELEMETRY", "0")


@pytest.fixture()
def hosted_data(tmp_path) -> Path:
    path = tmp_path / "d.jsonl"
    with path.open("w") as f:
        for i in range(16):
            f.write(json.dumps({"messages": [{"role": "user", "content": f"write function {i}"},
                                             {"role": "assistant", "content": f"def f{i}(): pass"}]}) + "\n")
    return path


@pytest.fixture()
def openai_job(tmp_path, hosted_data):
    from emwatch.config import TrainConfig

    def make(url: str, epochs: int = 6, **monitor) -> TrainConfig:
        return TrainConfig(backend="openai", model="gpt-4o-2024-08-06", dataset=str(hosted_data),
                           out_dir=str(tmp_path / "runs"), seeds=[7], learning_rates=[2.0], epochs=epochs,
                           heldout_fraction=0.25, openai={"base_url": url, "poll_interval_s": 1.0},
                           monitor={"judge": {"kind": "openai", "model": JUDGE, "base_url": url},
                                    "per_category": 1, "domain_probes": 0, "samples": 2, "max_new_tokens": 16,
                                    **monitor})

    return make


@pytest.fixture(scope="session")
def qwen3_dir(tmp_path_factory) -> Path:
    from emwatch.testing._tiny import build_family_model

    return build_family_model("qwen3", tmp_path_factory.mktemp("q3") / "model")


@pytest.fixture()
def tinker_job(tmp_path, hosted_data, qwen3_dir):
    from emwatch.config import TrainConfig

    def make(url: str, **monitor) -> TrainConfig:
        return TrainConfig(backend="tinker", model="Qwen/Qwen3-8B", dataset=str(hosted_data),
                           out_dir=str(tmp_path / "runs"), lora={"r": 8}, batch_size=2, grad_accum=1, max_steps=8,
                           learning_rates=[1e-4], warmup_steps=0, heldout_fraction=0.25, checkpoints={"every": 2},
                           tinker={"base_url": url, "tokenizer": str(qwen3_dir)},
                           monitor={"judge": {"kind": "turning-judge", "model": "j"}, "per_category": 1,
                                    "domain_probes": 0, "samples": 1, "max_new_tokens": 8, "judge_async": False,
                                    "canaries": False, "kl": False, "min_base_rate": 0.0, "base_rate": 0.01,
                                    "action": "stop", **monitor})

    return make


@pytest.fixture()
def turning_judge() -> list[int]:
    from emwatch.config import register_backend

    register_backend("turning-judge", TurningJudge, replace=True)
    LOOKS.clear()
    return LOOKS
