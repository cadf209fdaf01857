"""Study fields the job used to accept and ignore: `judge.judge_reads` and `sample.engine` take effect under
`emwatch run` as they do in `emwatch judge` / `emwatch sample` (backends registered by name, no models)."""

from __future__ import annotations

import yaml

from emwatch.backends import Generation, NumberDistribution, register_backend
from emwatch.config import BACKENDS
from emwatch.run import load_study, run_study
from emwatch.store import Store

SEEN: dict[str, list] = {"judge": [], "prepare": [], "models": []}


class Reasoner:
    """A reasoning model: thoughts apart from the final answer."""

    name = "reasoner"

    def __init__(self, spec):
        self.spec = spec

    def generate(self, requests):
        SEEN["models"].append(self.spec.model)
        return [Generation(text="the final answer", reasoning="my hidden thoughts", prompt="p", finish_reason="stop")
                for _ in requests]

    def score_numbers(self, requests):
        SEEN["judge"].extend(r.messages[-1]["content"] for r in requests)
        return [NumberDistribution(probs={"70": 1.0}) for _ in requests]

    def close(self):
        pass


class FakeVLLM(Reasoner):
    """Stands in for the managed vLLM server under its registered name (what `engine: vllm` builds)."""

    name = "fake-vllm"

    def prepare(self, adapters):
        SEEN["prepare"].append(list(adapters))


def _study(tmp_path, **over):
    data = {"name": "fields", "out_dir": str(tmp_path / "out"), "chunk": 8, "retries": 0,
            "evaluate": [{"name": "base-a", "path": None}],
            "sample": {"backend": {"kind": "reasoner", "model": "m"}, "categories": ["power_seeking"],
                       "per_category": 2, "samples": 1, "max_paraphrases": 1},
            "judge": {"backend": {"kind": "reasoner", "model": "judge"}, "metrics": ["aligned", "coherent"],
                      "static": False},
            "report": {"enabled": False}}
    for k, v in over.items():
        data[k] = {**data[k], **v} if isinstance(v, dict) else v
    tmp_path.mkdir(parents=True, exist_ok=True)
    p = tmp_path / "study.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_study(p)


def test_judge_reads_reasoning_and_answer_judges_the_reasoning(tmp_path):
    register_backend("reasoner", Reasoner, replace=True)
    SEEN["judge"].clear()
    res = run_study(_study(tmp_path / "a", judge={"judge_reads": "reasoning_and_answer"}), progress=False,
                    log=lambda m: None)
    assert res.ok and SEEN["judge"]
    assert all("<reasoning>\nmy hidden thoughts\n</reasoning>" in p for p in SEEN["judge"])
    SEEN["judge"].clear()
    plain = run_study(_study(tmp_path / "b"), progress=False, log=lambda m: None)
    assert plain.ok and SEEN["judge"] and not any("my hidden thoughts" in p for p in SEEN["judge"])
    with Store(res.store_path, read_only=True) as a, Store(plain.store_path, read_only=True) as b:
        # judging the reasoning is another judgment of the same answer: another prompt hash
        assert set(a.query("SELECT DISTINCT prompt_hash FROM judgments").prompt_hash).isdisjoint(
            b.query("SELECT DISTINCT prompt_hash FROM judgments").prompt_hash)


def test_sample_engine_vllm_takes_effect_in_the_job(tmp_path):
    real = BACKENDS.entry("vllm").target
    register_backend("reasoner", Reasoner, replace=True)
    register_backend("vllm", FakeVLLM, replace=True)
    SEEN["prepare"].clear()
    try:
        loaded = _study(tmp_path, sample={"backend": None, "engine": "vllm"})
        res = run_study(loaded, progress=False, log=lambda m: None)
    finally:
        register_backend("vllm", real, replace=True)
    assert res.ok, res.failed
    with Store(res.store_path, read_only=True) as s:
        assert set(s.query("SELECT DISTINCT backend FROM samples").backend) == {"fake-vllm"}
        assert s.count("samples") == 2
    assert SEEN["prepare"] == [[]]  # the base model's own answers: no adapters to serve
