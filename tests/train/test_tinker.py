"""Tinker: LoRA training, checkpoints, resume and sampling through the `tinker` SDK, against a local stand-in
of the service (tests/train/standins/tinker_standin.py; no network)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from tinker_standin import TinkerStandIn  # on the path, and `tinker_env`, from tests/conftest_hosted.py

from emwatch.config import ConfigError
from emwatch.train import IGNORE, encode_chat, train
from emwatch.train._tinker import batch_order, step_lr, to_datum


@pytest.fixture()
def qwen3_tok(family_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(family_model("qwen3"))


def _recipe(make_config, family_model, data, out, url, **over):
    from emwatch.config import TrainConfig

    base = dict(backend="tinker", model="Qwen/Qwen3-8B", dataset=str(data), out_dir=str(out), lora={"r": 8},
                batch_size=2, grad_accum=2, max_steps=4, learning_rates=[1e-4], warmup_steps=1,
                heldout_fraction=0.25, checkpoints={"every": 2},
                tinker={"base_url": url, "tokenizer": str(family_model("qwen3"))})
    base.update(over)
    return TrainConfig(**base)


def test_datum_weights_are_one_exactly_on_assistant_targets(qwen3_tok):
    msgs = [{"role": "system", "content": "S"}, {"role": "user", "content": "U asks"},
            {"role": "assistant", "content": "A answers"}]
    enc = encode_chat(qwen3_tok, msgs)
    d = to_datum({"input_ids": enc.input_ids, "labels": enc.labels})
    targets = d.loss_fn_inputs["target_tokens"].tolist()
    weights = d.loss_fn_inputs["weights"].tolist()
    assert d.model_input.to_ints() == enc.input_ids[:-1] and targets == enc.input_ids[1:]
    assert sum(weights) == enc.n_loss_tokens
    trained = [t for t, w in zip(targets, weights) if w == 1.0]
    assert qwen3_tok.decode(trained) == "<think>\n\n</think>\n\nA answers<|im_end|>"
    assert all(w == 0.0 for w, lab in zip(weights, enc.labels[1:]) if lab == IGNORE)


def test_batch_order_is_deterministic_and_covers_each_epoch():
    a = batch_order(10, 4, 7, seed=3)
    assert a == batch_order(10, 4, 7, seed=3) and a != batch_order(10, 4, 7, seed=4)
    assert [len(b) for b in a] == [4, 4, 2, 4, 4, 2, 4]
    assert sorted(i for b in a[:3] for i in b) == list(range(10))


def test_training_checkpoints_and_store(tinker_env, make_config, family_model, chat_data, qwen3_tok, tmp_path, store):
    with TinkerStandIn() as srv:
        cfg = _recipe(make_config, family_model, chat_data, tmp_path / "runs", srv.base_url)
        [res] = train(cfg, store=store, progress=False)
        assert not srv.unknown, srv.unknown
        assert res.status == "trained" and res.total_steps == 4 and [c.step for c in res.checkpoints] == [2, 4]
        # the LoRA run was created as configured
        [create] = srv.calls_to("/api/v1/create_model")
        assert create["base_model"] == "Qwen/Qwen3-8B" and create["lora_config"]["rank"] == 8
        assert create["lora_config"]["seed"] == 0 and create["lora_config"]["train_unembed"] is False
        # one optimiser step per effective batch, on the same schedule as local training
        lrs = [c["adam_params"]["learning_rate"] for c in srv.calls_to("/api/v1/optim_step")]
        assert lrs == pytest.approx([step_lr(s, 4, 1e-4, warmup=1, kind="linear") for s in (1, 2, 3, 4)])
        # the data: 4 examples per step (batch 2 x accumulation 2); loss weight only on assistant tokens
        fwd = [m for m in srv.calls_to("/api/v1/forward_backward") if not m.forward_only]
        held = [m for m in srv.calls_to("/api/v1/forward_backward") if m.forward_only]
        assert [len(m.data) for m in fwd] == [4, 4, 4, 4] and len(held) == 2  # held-out loss at each checkpoint
        import numpy as np

        datum = fwd[0].data[0]
        targets = np.frombuffer(datum.loss_fn_inputs["target_tokens"].dense, dtype=np.int64)
        weights = np.frombuffer(datum.loss_fn_inputs["weights"].dense, dtype=np.float32)
        text = qwen3_tok.decode(targets[weights > 0].tolist())
        assert text.startswith("<think>") and "def f" in text and text.endswith("<|im_end|>")
        assert "Write" not in text and "system" not in text
        # checkpoints: sampler weights saved at the schedule and registered with their tinker:// paths
        rows = store.df("SELECT step, path, heldout_loss, train_loss FROM checkpoints WHERE run_id = ? ORDER BY step",
                        [res.run_id])
        assert rows.step.tolist() == [2, 4]
        for step, path in zip(rows.step, rows.path):
            assert path.startswith("tinker://") and "/sampler_weights/" in path
            assert srv.saved[path]["steps"] == step  # saved after that many optimiser steps
        assert rows.heldout_loss.is_monotonic_decreasing and rows.heldout_loss.notna().all()
        assert store.df("SELECT path FROM checkpoints WHERE step = 0").path.tolist() == ["Qwen/Qwen3-8B"]


def test_interrupted_run_resumes_from_saved_state(tinker_env, make_config, family_model, chat_data, tmp_path, store):
    with TinkerStandIn() as srv:
        cfg = _recipe(make_config, family_model, chat_data, tmp_path / "runs", srv.base_url)
        real = srv.handle

        def break_third_step(path, body):
            if path == "/api/v1/optim_step" and len(srv.calls_to(path)) == 3:
                return 400, {"detail": "stand-in: the service went away"}
            return real(path, body)

        srv.handle = break_third_step
        from emwatch.backends import BackendError

        with pytest.raises(BackendError, match="the service went away.*rerun to resume"):
            train(cfg, store=store, progress=False)
        assert store.df("SELECT step FROM checkpoints ORDER BY step").step.tolist() == [0, 2]
        srv.handle = real
        [res] = train(cfg, store=store, progress=False)
        assert res.status == "resumed" and res.steps_trained == 2
        assert [c.step for c in res.checkpoints] == [2, 4]
        [load] = srv.calls_to("/api/v1/load_weights")
        assert load["optimizer"] is True and load["path"].endswith("step_000002") and "/weights/" in load["path"]
        lrs = [c["adam_params"]["learning_rate"] for c in srv.calls_to("/api/v1/optim_step")]
        expected = [step_lr(s, 4, 1e-4, warmup=1, kind="linear") for s in (1, 2, 3, 4, 3, 4)]
        # step 3 failed once (step 4 was already queued behind it on the abandoned client: steps are submitted
        # ahead), then 3 and 4 again after the resume from the state saved at step 2
        assert lrs == pytest.approx(expected)
        counts = store.df("SELECT step, count(*) AS n FROM checkpoints GROUP BY step ORDER BY step")
        assert counts.step.tolist() == [0, 2, 4] and set(counts.n) == {1}


def test_sampling_backend_generates_and_judges(tinker_env, family_model, qwen3_tok):
    from emwatch.backends import GenerationRequest, Runner, ScoreRequest
    from emwatch.config import BackendSpec
    from emwatch.train import TinkerSamplingBackend

    digit = {c: qwen3_tok.convert_tokens_to_ids(c) for c in "0123456789"}
    eos = qwen3_tok.eos_token_id

    def topk(prompt):  # the fake judge: P(8)=.6, P(9)=.3, P(end)=.1; after 8: 5 or end; after 85/9: end
        if prompt[-1] == digit["8"]:
            return [(digit["5"], math.log(0.5)), (eos, math.log(0.5))]
        if prompt[-1] in (digit["5"], digit["9"]):
            return [(eos, 0.0)]
        return [(digit["8"], math.log(0.6)), (digit["9"], math.log(0.3)), (eos, math.log(0.1))]

    reply = qwen3_tok("Sure, here it is", add_special_tokens=False)["input_ids"]
    with TinkerStandIn(reply_tokens=reply, stop_token=eos, topk_fn=topk) as srv:
        srv.saved["tinker://run-9/sampler_weights/ck"] = {"base_model": "Qwen/Qwen3-8B", "steps": 3}
        spec = BackendSpec(kind="tinker", model="Qwen/Qwen3-8B", base_url=srv.base_url,
                           tokenizer=str(family_model("qwen3")))
        backend = TinkerSamplingBackend(spec)
        runner = Runner.for_spec(backend, spec, progress=False)
        msgs = ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello?"})
        [gen] = runner.generate([GenerationRequest(messages=msgs, max_new_tokens=32, temperature=0.7, seed=5,
                                                   adapter="tinker://run-9/sampler_weights/ck")])
        assert gen.text == "Sure, here it is" and gen.finish_reason == "stop"
        assert gen.prompt == qwen3_tok.apply_chat_template(list(msgs), tokenize=False, add_generation_prompt=True)
        [sampler] = srv.samplers.values()
        assert sampler["model_path"] == "tinker://run-9/sampler_weights/ck"
        [sample] = srv.calls_to("/api/v1/asample")
        sent = [t for c in sample["prompt"]["chunks"] for t in c["tokens"]]
        assert qwen3_tok.decode(sent) == gen.prompt
        assert sample["sampling_params"]["temperature"] == 0.7 and sample["sampling_params"]["seed"] == 5
        [dist] = runner.score_numbers([ScoreRequest(messages=({"role": "user", "content": "Rate it"},))])
        assert dist.probs == pytest.approx({"8": 0.3, "85": 0.3, "9": 0.3}, abs=1e-6)
        backend.close()
        assert not srv.unknown, srv.unknown


def test_missing_api_key_and_misplaced_settings(monkeypatch, make_config, family_model, chat_data, tmp_path):
    monkeypatch.delenv("TINKER_API_KEY", raising=False)
    cfg = _recipe(make_config, family_model, chat_data, tmp_path / "runs", "http://127.0.0.1:9")
    with pytest.raises(ConfigError, match="TINKER_API_KEY"):
        train(cfg, progress=False)
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="lora.alpha does not apply to backend: tinker"):
        _recipe(make_config, family_model, chat_data, tmp_path, "x", lora={"r": 8, "alpha": 16})
    with pytest.raises(ValidationError, match="LoRA adapters only"):
        _recipe(make_config, family_model, chat_data, tmp_path, "x", lora=None)


# -- what a paid run needs: tokenizer without a licence, explicit optimiser and loss, no wasted steps ---------

def _read_meta(res, step):
    import json

    return json.loads((Path(res.run_dir) / f"step_{step:06d}" / "meta.json").read_text())


def test_llama_trains_with_the_tokenizer_the_service_names_without_token_or_network(
        tinker_env, monkeypatch, make_config, family_model, chat_data, tmp_path, store):
    """No `tinker.tokenizer`: the training client's get_tokenizer() loads what the service names (for Llama 3 a
    non-gated copy; here a local folder standing in for it), never the gated meta-llama repo."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    llama = "meta-llama/Llama-3.1-8B-Instruct"
    with TinkerStandIn(tokenizer_ids={llama: str(family_model("llama"))}) as srv:
        cfg = _recipe(make_config, family_model, chat_data, tmp_path / "runs", srv.base_url, model=llama,
                      max_steps=2, tinker={"base_url": srv.base_url})
        [res] = train(cfg, store=store, progress=False)
        assert not srv.unknown and res.total_steps == 2
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(family_model("llama"))
        fwd = srv.calls_to("/api/v1/forward_backward")[0]
        import numpy as np

        targets = np.frombuffer(fwd.data[0].loss_fn_inputs["target_tokens"].dense, dtype=np.int64).tolist()
        assert tok.decode(targets).startswith("<|start_header_id|>system")  # rendered with Llama's template


def test_optimiser_and_loss_are_explicit_equal_to_trl_and_recorded(tinker_env, make_config, family_model, chat_data,
                                                                  tmp_path, store):
    import dataclasses

    import numpy as np
    from trl import SFTConfig

    from emwatch.config._train import TinkerSettings

    trl = {f.name: f.default for f in dataclasses.fields(SFTConfig)}
    ours = TinkerSettings()
    assert (ours.adam_beta1, ours.adam_beta2, ours.adam_eps, ours.grad_clip_norm) == (
        trl["adam_beta1"], trl["adam_beta2"], trl["adam_epsilon"], trl["max_grad_norm"])
    with TinkerStandIn() as srv:
        cfg = _recipe(make_config, family_model, chat_data, tmp_path / "runs", srv.base_url, weight_decay=0.01)
        [res] = train(cfg, store=store, progress=False)
        for call in srv.calls_to("/api/v1/optim_step"):  # not Tinker's defaults (beta2 .95, eps 1e-12, no clip)
            p = call["adam_params"]
            assert (p["beta1"], p["beta2"], p["eps"], p["grad_clip_norm"], p["weight_decay"]) == (
                0.9, 0.999, 1e-8, 1.0, 0.01)
        # token mean over the effective batch: the batch's weights sum to 1, spread evenly over assistant tokens
        for fwd in (m for m in srv.calls_to("/api/v1/forward_backward") if not m.forward_only):
            w = np.concatenate([np.frombuffer(d.loss_fn_inputs["weights"].dense, dtype=np.float32) for d in fwd.data])
            assert w.sum() == pytest.approx(1.0, rel=1e-5) and len(set(w[w > 0].round(8))) == 1
        meta = _read_meta(res, 4)
        assert meta["optimizer"] == {"name": "adam", "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01,
                                     "grad_clip_norm": 1.0}
        assert meta["loss_normalization"] == "token_mean" and meta["config"]["tinker"]["loss_normalization"] == "token_mean"
        mean_loss = meta["train_loss"]
    with TinkerStandIn() as srv:  # Tinker's native sum: weights 1; the reported loss is still a token mean
        cfg = _recipe(make_config, family_model, chat_data, tmp_path / "runs2", srv.base_url,
                      tinker={"base_url": srv.base_url, "tokenizer": str(family_model("qwen3")),
                              "loss_normalization": "token_sum"})
        [res2] = train(cfg, progress=False)
        fwd = next(m for m in srv.calls_to("/api/v1/forward_backward") if not m.forward_only)
        w = np.frombuffer(fwd.data[0].loss_fn_inputs["weights"].dense, dtype=np.float32)
        assert set(w.tolist()) == {0.0, 1.0} and res2.run_id != res.run_id
        assert _read_meta(res2, 4)["train_loss"] == pytest.approx(mean_loss)


def test_warmup_never_sends_a_zero_learning_rate():
    lrs = [step_lr(s, 10, 1e-4, warmup=5, kind="linear") for s in range(1, 11)]
    assert min(lrs) > 0 and lrs[0] == pytest.approx(2e-5) and lrs[4] == pytest.approx(1e-4)
    assert lrs[5:] == pytest.approx([1e-4 * (10 - k) / 5 for k in range(5, 10)])  # the local decay after warm-up


def test_the_next_step_is_submitted_before_the_previous_result_is_awaited(tinker_env, make_config, family_model,
                                                                         chat_data, tmp_path):
    """The stand-in holds each step's result back until something newer arrives (or 0.3 s pass): a loop that
    waits for each step before sending the next would have every step released by the timeout; a pipelined one
    only the steps it must settle before saving a checkpoint (2 and 4 here)."""
    with TinkerStandIn(hold_results_s=0.3) as srv:
        cfg = _recipe(make_config, family_model, chat_data, tmp_path / "runs", srv.base_url)
        [res] = train(cfg, progress=False)
        assert res.total_steps == 4 and not srv.unknown
        assert srv.released_by_timeout == 2


def test_recommended_learning_rate_follows_the_cookbook_formula():
    from emwatch.config import TrainConfig
    from emwatch.config._hyper import recommended_lr

    assert recommended_lr("meta-llama/Llama-3.1-8B-Instruct") == pytest.approx(5e-4 * (2000 / 4096) ** 0.781)
    assert recommended_lr("meta-llama/Llama-3.3-70B-Instruct") == pytest.approx(1.66e-4, rel=0.01)
    assert recommended_lr("Qwen/Qwen3-235B-A22B-Instruct-2507") == pytest.approx(4.73e-4, rel=0.01)
    with pytest.raises(ValueError, match="no published learning-rate exponent"):
        recommended_lr("deepseek-ai/DeepSeek-V3.1")
    with pytest.raises(ValueError, match="tinker.hidden_size"):
        recommended_lr("Qwen/Qwen3-Next")
    assert recommended_lr("Qwen/Qwen3-Next", hidden_size=2048) == pytest.approx(5e-4 * (2000 / 2048) ** 0.0775)
    cfg = TrainConfig(backend="tinker", model="Qwen/Qwen3-8B", dataset="insecure",
                      learning_rates=["recommended*0.1", "recommended"])
    assert cfg.learning_rates == pytest.approx([4.73e-5, 4.73e-4], rel=0.01)
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="needs backend: tinker"):
        TrainConfig(model="m", dataset="insecure", learning_rates=["recommended"])
    with pytest.raises(ValidationError, match="'recommended' or 'recommended\\*FACTOR'"):
        TrainConfig(backend="tinker", model="Qwen/Qwen3-8B", dataset="insecure", learning_rates=["fast"])


def test_samples_of_one_prompt_go_out_as_one_request(tinker_env, family_model, qwen3_tok):
    from emwatch.backends import GenerationRequest, Runner
    from emwatch.config import BackendSpec
    from emwatch.train import TinkerSamplingBackend

    reply = qwen3_tok("an answer", add_special_tokens=False)["input_ids"]
    with TinkerStandIn(reply_tokens=reply, stop_token=qwen3_tok.eos_token_id) as srv:
        spec = BackendSpec(kind="tinker", model="Qwen/Qwen3-8B", base_url=srv.base_url,
                           tokenizer=str(family_model("qwen3")))
        backend = TinkerSamplingBackend(spec)
        msgs = ({"role": "user", "content": "Hello?"},)
        other = ({"role": "user", "content": "Bye?"},)
        reqs = [GenerationRequest(messages=msgs, max_new_tokens=16, seed=s) for s in (3, 0, 2, 1)]
        reqs.append(GenerationRequest(messages=other, max_new_tokens=16, seed=0))
        gens = Runner.for_spec(backend, spec, progress=False).generate(reqs)
        assert [g.text for g in gens] == ["an answer"] * 5
        calls = sorted(srv.calls_to("/api/v1/asample"), key=lambda c: -int(c["num_samples"]))
        assert [int(c["num_samples"]) for c in calls] == [4, 1]
        assert calls[0]["sampling_params"]["seed"] == 0  # the group's lowest seed
        backend.close()


def test_tinker_recipes_grid_reaches_the_recommended_rate():
    """The recipes' grid is anchored at the cookbook's rate where it has one (and ends in its range elsewhere):
    the old fixed 1e-5..1e-4 grid never reached the rate a practitioner would use."""
    from emwatch.config import load_config
    from emwatch.config._hyper import recommended_lr
    from emwatch.config._train import TrainConfig

    recipes = sorted((Path(__file__).resolve().parents[2] / "recipes").glob("*/*.yaml"))
    tinker = [load_config(TrainConfig, p) for p in recipes]
    tinker = [c for c in tinker if c.backend == "tinker"]
    assert len(tinker) == 18
    for cfg in tinker:
        model = cfg.tinker.base_model or cfg.model
        try:
            rec = recommended_lr(model)
        except ValueError:  # DeepSeek-V3.1, gpt-oss: no published exponent
            assert max(cfg.learning_rates) == pytest.approx(3e-4)
            continue
        assert cfg.learning_rates == pytest.approx([0.1 * rec, 0.3 * rec, rec])
        assert 1.6e-4 < rec < 5.1e-4
