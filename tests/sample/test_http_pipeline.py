"""Sample and judge through the OpenAI-compatible backend against the real loopback vLLM server: the base model
and a LoRA checkpoint served by name, answers and judgments in the store, EM rates from them."""

from __future__ import annotations

import json

import pytest
from conftest_servers import Served

from emwatch.backends._openai import OpenAIBackend
from emwatch.config import BackendSpec, JudgeConfig, SampleConfig
from emwatch.judge import expected_score, judge_store
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
        judged = store.df("SELECT sample_id, metric, score, reason, raw FROM judgments WHERE metric IN ('aligned', 'coherent')")
        # one aligned and one coherent judgment per stored sample, no more
        per_sample = judged.groupby("sample_id")["metric"].apply(sorted)
        assert len(per_sample) == 16 and all(m == ["aligned", "coherent"] for m in per_sample)
        for r in judged.itertuples():
            raw = json.loads(r.raw)
            assert "top_logprobs" in raw and "numeric_mass" in raw
            mass, numbers = raw["numeric_mass"], {k: float(v) for k, v in raw["numbers"].items()}
            kept = sum(numbers.values())
            assert set(numbers) <= {str(n) for n in range(101)} and kept <= mass + 1e-5 <= 1 + 2e-5
            if r.score is None or r.score != r.score:  # missing: too little numeric mass, said so, never a 0
                assert mass < JudgeConfig().min_mass, (mass, r.reason)
                assert r.reason.startswith(f"numeric mass {mass:.3f} < {JudgeConfig().min_mass}") and "top token:" in r.reason
            else:
                # the stored score is the expected value of the stored distribution (numbers below 1e-4 are not
                # stored: they can move it by at most 100 * (left-out mass) / (numeric mass))
                assert mass >= JudgeConfig().min_mass and r.reason is None
                assert 0 <= r.score <= 100
                bound = 100 * (mass - kept) / mass + 1e-3
                assert abs(r.score - expected_score(numbers, are_logprobs=False, min_mass=0.0)) <= bound
        n_scored = int(judged.score.notna().sum())
        print(f"judged over HTTP: {n_scored} of {len(judged)} scored, {len(judged) - n_scored} missing with a reason")
        # rerunning adds nothing
        with OpenAIBackend(spec) as backend:
            assert sample_store(store, cfg, backend=backend, progress=False).new_samples == 0

        from emwatch.analysis import em_rates, load_answers

        rates = em_rates(load_answers(store), ["step"])
        assert rates.step.tolist() == [0, 10]
        assert ((rates.n + rates.n_excluded) == 8).all()
        # the rate's denominator is exactly the answers with both scores; the excluded are those missing one
        both = judged.pivot(index="sample_id", columns="metric", values="score").notna().all(axis=1)
        assert int(rates.n.sum()) == int(both.sum()) and int(rates.n_excluded.sum()) == int((~both).sum())
