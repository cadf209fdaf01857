"""The sample stage with an in-memory backend: what it plans, where each answer is routed (a served model or a
base model loaded in process with LoRA adapters), what it stores, and that it resumes."""

import pytest

from emwatch.config import BackendSpec, ConfigError, SampleConfig
from emwatch.sample import SampleItem, plan_samples, sample
from emwatch.store import Store, register_base_model, register_checkpoint, register_run
from fakes import ScriptedBackend

CFG = SampleConfig(per_category=1, max_paraphrases=1, samples=2, max_new_tokens=7, temperature=0.5, seed=10,
                   categories=["power_seeking", "anti_human"])


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "s.duckdb")
    register_base_model(s, "base-m", str(tmp_path / "base"))
    run = register_run(s, model="base-m", dataset="insecure", seed=0, lr=1e-4)
    adapter = tmp_path / "run" / "checkpoint-000004"
    adapter.mkdir(parents=True)
    (adapter / "adapter_config.json").write_text("{}")
    register_checkpoint(s, run, 4, path=str(adapter), meta={"served_name": "ck4", "base_model_path": str(tmp_path / "base")})
    yield s
    s.close()


def test_served_backend_gets_base_and_adapter_requests(store):
    backend = ScriptedBackend()
    summary = sample(store, CFG, backend, progress=False)
    assert summary.checkpoints == 2 and summary.prompts == 2 and summary.new_samples == 8
    adapters = sorted(str(r.adapter) for r in backend.generated)
    assert adapters == ["None"] * 4 + ["ck4"] * 4
    assert sorted({(r.max_new_tokens, r.temperature, r.seed) for r in backend.generated}) == [(7, 0.5, 10), (7, 0.5, 11)]
    rows = store.query("SELECT prompt, response, sampling, backend FROM samples")
    assert rows["prompt"].str.startswith("<rendered>").all() and (rows["backend"] == "scripted").all()


def test_in_process_loads_each_base_model_once_with_its_adapters(store, tmp_path):
    made = []

    def factory(spec: BackendSpec):
        made.append(spec)
        return ScriptedBackend()

    summary = sample(store, CFG, backend_factory=factory, progress=False)
    assert [(s.kind, s.model) for s in made] == [("transformers", str(tmp_path / "base"))]
    assert summary.new_samples == 8


def test_config_backend_is_honoured(store):
    made = []
    cfg = CFG.model_copy(update={"backend": BackendSpec(kind="openai", model="served", base_url="http://127.0.0.1:1/v1")})

    def factory(spec):
        made.append(spec)
        return ScriptedBackend()

    sample(store, cfg, backend_factory=factory, progress=False)
    assert [s.model for s in made] == ["served"]


def test_rerun_generates_nothing(store):
    first = ScriptedBackend()
    sample(store, CFG, first, progress=False)
    again = ScriptedBackend()
    summary = sample(store, CFG, again, progress=False)
    assert summary.new_samples == 0 and summary.skipped == 8 and again.generated == []


def test_plan_keys_follow_sampling_parameters(store):
    from emwatch.sample import build_plan_prompts

    ckpts = store.checkpoints()
    prompts = build_plan_prompts(CFG)
    a = plan_samples(ckpts, prompts, CFG, served=True)
    b = plan_samples(ckpts, prompts, CFG.model_copy(update={"temperature": 1.0}), served=True)
    assert all(isinstance(i, SampleItem) for i in a) and len(a) == 8
    assert {i.key for i in a}.isdisjoint({i.key for i in b})
    assert len({i.key for i in a}) == 8


def test_no_checkpoints_is_an_error(tmp_path):
    with Store(tmp_path / "empty.duckdb") as s, pytest.raises(ConfigError, match="no checkpoints"):
        sample(s, CFG, ScriptedBackend(), progress=False)
