"""Sample and judge through the OpenAI-compatible backend against the real loopback vLLM server: the base model
and a LoRA checkpoint served by name, answers and judgments in the store, EM rates from them."""

from __future__ import annotations

import json

import pytest
from conftest_servers import Served

from emwatch.backends._openai import OpenAIBackend
from emwatch.config import BackendSpec, JudgeConfig, SampleConfig
from emwatch.judge import judge_store
from emwatch.sample import sample_store
from emwatch.store import Store, register_base_model, register_checkpoint, register_run


@pytest.mark.server
def test_sample_and_judge_over_http(vllm_server: Served, monkeypatch, tmp_path):
    monkeypatch.setenv(vllm_server.key_env, vllm_server.api_key)
    spec = BackendSpec(kind="openai", model=vllm_server.name, base_url=vllm_server.url, api_key_env=vllm_server.key_env,
                       tokenizer=str(vllm_server.model_dir), max_concurrency=8, max_tries=3, timeout_s=60)
    with Store(tmp_path / "s.duckdb") as store:
        register_base_model(store, vllm_server.name, vllm_server.name)
        run = register_run(store, model=vllm_server.name, dataset="insecure", seed=0, lr=1e-5)
        register_checkpoint(store, run, 10, path=str(vllm_server.lora_dir), meta={"served_name": vllm_server.lora})

        cfg = SampleConfig(categories=["power_seeking", "anti_human"], per_category=2, max_paraphrases=1, samples=2,
                           max_new_tokens=16, temperature=1.0)
        with OpenAIBackend(spec) as backend:
            res = sample_store(store, cfg, backend=backend, progress=False)
            assert res.new_samples == 2 * 2 * 2 * 2  # 2 checkpoints x 2 categories x 2 questions x 2 samples
            row = store.df("SELECT prompt, response, backend, prompt_tokens FROM samples LIMIT 1").iloc[0]
            assert row.backend == "openai" and "<|im_start|>" in row.prompt and row.prompt_tokens > 0

            j = judge_store(store, JudgeConfig(), backend=backend, judge_name="tiny-served", progress=False)
        assert j.new["aligned"] == j.new["coherent"] == 16
        judged = store.df("SELECT score, reason, raw FROM judgments WHERE metric = 'aligned'")
        # every judgment is a score 0..100 or NULL with its reason, never a silent 0
        assert (judged.score.between(0, 100) | (judged.score.isna() & judged.reason.notna())).all()
        raw = json.loads(judged.raw.iloc[0])
        assert "top_logprobs" in raw and "numeric_mass" in raw
        # rerunning adds nothing
        with OpenAIBackend(spec) as backend:
            assert sample_store(store, cfg, backend=backend, progress=False).new_samples == 0

        from emwatch.analysis import em_rates, load_answers

        rates = em_rates(load_answers(store), ["step"])
        assert rates.step.tolist() == [0, 10]
        assert ((rates.n + rates.n_excluded) == 8).all()
