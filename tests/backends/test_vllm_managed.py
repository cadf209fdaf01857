"""The managed vLLM backend (`kind: vllm`): emwatch starts the server itself for one base model with its LoRA
checkpoints as modules, loads later checkpoints at runtime, judges through it, and stops it as a process group.

The first group needs no server (command line, rank, config checks); the `server` group starts ONE real CPU
vLLM server (module-scoped) on a tiny random model with three LoRA checkpoints, through the sample stage.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest_servers import build_served_lora, build_served_model

from emwatch.backends import BACKENDS, BackendError, GenerationRequest, ScoreRequest, make_backend
from emwatch.backends._server import ServerError, VLLMServer, adapter_rank, lora_rank_for, vllm_python
from emwatch.backends._vllm import VLLMBackend, module_name
from emwatch.config import BackendSpec, SampleConfig
from emwatch.sample import sample
from emwatch.store import Store, register_base_model, register_checkpoint, register_run


def _adapter(folder: Path, rank: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(f'{{"r": {rank}, "rank_pattern": {{}}}}')
    return folder


# ---------------------------------------------------------------------------------------------------------
# without a server
# ---------------------------------------------------------------------------------------------------------

def test_rank_is_read_from_the_adapters_and_rounded_to_what_vllm_accepts(tmp_path):
    r8, r32 = _adapter(tmp_path / "a", 8), _adapter(tmp_path / "b", 32)
    assert adapter_rank(r32) == 32
    assert lora_rank_for([r8]) == 16          # vLLM's own default is the floor
    assert lora_rank_for([r8, r32]) == 32     # the EM recipes' rank 32 is above vLLM's default
    assert lora_rank_for([], at_least=20) == 32
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "adapter_config.json").write_text('{"r": 8, "rank_pattern": {"q_proj": 48}}')
    assert lora_rank_for([tmp_path / "c"]) == 64
    with pytest.raises(BackendError, match="adapter_config.json: not found"):
        adapter_rank(tmp_path)
    with pytest.raises(BackendError, match="above the largest"):
        lora_rank_for([], at_least=1000)


def test_command_serves_checkpoints_as_modules_with_prefix_caching_and_runtime_loading(tmp_path, monkeypatch):
    monkeypatch.delenv("VLLM_ALLOW_RUNTIME_LORA_UPDATING", raising=False)
    r32 = _adapter(tmp_path / "ck2", 32)
    server = VLLMServer(model="m", served_name="base", loras={"ck2": str(r32)}, python=Path(sys.executable),
                        port=1234, tensor_parallel_size=2, api_key="sekrit")
    cmd = server.command()
    assert cmd[cmd.index("--max-lora-rank") + 1] == "32"
    assert cmd[cmd.index("--tensor-parallel-size") + 1] == "2"
    assert "--enable-prefix-caching" in cmd and "--enable-lora" in cmd
    assert cmd[cmd.index("--lora-modules") + 1] == f"ck2={r32}"
    assert "sekrit" not in " ".join(cmd)  # the key travels in the environment only
    env = server.environment()
    assert env["VLLM_API_KEY"] == "sekrit" and env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
    judge = VLLMServer(model="m", served_name="judge", python=Path(sys.executable), port=1)
    assert "--enable-lora" not in judge.command() and "--tensor-parallel-size" not in judge.command()
    assert "VLLM_ALLOW_RUNTIME_LORA_UPDATING" not in judge.environment()


def test_spec_fields_belong_to_the_vllm_kind():
    assert BACKENDS.canonical("vllm") == "vllm"
    assert isinstance(make_backend(BackendSpec(kind="vllm", model="some/model")), VLLMBackend)
    with pytest.raises(ValueError, match="tensor_parallel_size: only for kind 'vllm'"):
        BackendSpec(kind="openai", model="m", tensor_parallel_size=2)
    with pytest.raises(ValueError, match="base_url: kind 'vllm' starts its own server"):
        BackendSpec(kind="vllm", model="m", base_url="http://127.0.0.1:1/v1")


def test_interpreter_choice_and_a_missing_one(tmp_path, monkeypatch):
    monkeypatch.setenv("EMWATCH_VLLM_PYTHON", "/from/env/python")
    assert vllm_python() == Path("/from/env/python")
    assert vllm_python(tmp_path / "given") == tmp_path / "given"  # the spec's `python:` wins
    backend = VLLMBackend(BackendSpec(kind="vllm", model=str(tmp_path), python=str(tmp_path / "no" / "python")))
    with pytest.raises(ServerError, match=r"no vLLM interpreter at .*no/python.*setup_vllm.sh"):
        backend.start()
    assert backend.server is None
    # requests queued behind the failed start get the same error, without another start each
    (tmp_path / "no" / "python").parent.mkdir()
    (tmp_path / "no" / "python").write_text("")
    with pytest.raises(ServerError, match="no vLLM interpreter"):
        backend.generate([GenerationRequest(messages=({"role": "user", "content": "hi"},))])
    backend.close()


def test_an_unknown_adapter_is_named_in_the_error(tmp_path):
    backend = VLLMBackend(BackendSpec(kind="vllm", model=str(tmp_path), loras={"ck1": str(tmp_path)}))
    with pytest.raises(BackendError, match=r"serves no module 'nope'.*ck1"):
        backend.prepare(["nope"])
    assert backend.server is None  # refused before anything started


# ---------------------------------------------------------------------------------------------------------
# one real server (CPU build of vLLM), started by the backend through the sample stage
# ---------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def managed(tmp_path_factory):
    if not vllm_python().exists():
        pytest.fail(f"the managed vLLM tests need vLLM at {vllm_python()}: run scripts/setup_vllm.sh", pytrace=False)
    root = tmp_path_factory.mktemp("managed")
    model = build_served_model(root / "base")
    ck = {10: build_served_lora(model, root / "ck10", seed=1, rank=8),
          20: build_served_lora(model, root / "ck20", seed=2, rank=32),
          30: build_served_lora(model, root / "ck30", seed=3, rank=8)}
    spec = BackendSpec(kind="vllm", model=str(model), dtype="float32", max_model_len=512, max_concurrency=4,
                       max_tries=2, timeout_s=300, log_dir=str(root / "logs"))
    backend = VLLMBackend(spec, startup_timeout_s=420)
    store = Store(root / "s.duckdb")
    register_base_model(store, "tiny", str(model))
    run = register_run(store, model="tiny", dataset="insecure", seed=0, lr=1e-4)
    for step in (10, 20):
        register_checkpoint(store, run, step, path=str(ck[step]))
    yield backend, store, run, ck, root
    backend.close()
    store.close()


CFG = SampleConfig(categories=["power_seeking"], per_category=2, max_paraphrases=1, samples=1, max_new_tokens=8,
                   temperature=0.0)


@pytest.mark.server
@pytest.mark.slow  # pays the server's start (75-200 s on 2 shared cores)
def test_sampling_starts_one_server_with_every_checkpoint_as_a_module(managed):
    backend, store, run, ck, _ = managed
    res = sample(store, CFG, backend=backend, progress=False)
    server = backend.server
    assert server is not None and server.proc.poll() is None
    print(f"managed vLLM: ready {backend.startup_s:.1f} s after start")
    # the rank reserved fits the rank-32 checkpoint; both checkpoints are modules named after their folders
    assert server.max_lora_rank == 32
    assert server.served() == {"base", module_name(str(ck[10])), module_name(str(ck[20]))}
    assert res.new_samples == 3 * 2  # base + 2 checkpoints, 2 questions each
    df = store.df("""SELECT c.step, s.question_key, s.response, s.backend FROM samples s
                     JOIN checkpoints c USING (checkpoint_id) ORDER BY c.step, s.question_key""")
    assert set(df.backend) == {"vllm"} and df.groupby("step").size().to_dict() == {0: 2, 10: 2, 20: 2}
    by_step = {step: tuple(g.response) for step, g in df.groupby("step")}
    # greedy answers: each LoRA checkpoint really is applied (its answers differ from the base model's)
    assert by_step[10] != by_step[0] and by_step[20] != by_step[0] and by_step[10] != by_step[20]


@pytest.mark.server
def test_a_checkpoint_saved_later_is_loaded_into_the_running_server(managed):
    backend, store, run, ck, _ = managed
    pid = backend.server.proc.pid
    register_checkpoint(store, run, 30, path=str(ck[30]))
    res = sample(store, CFG, backend=backend, progress=False)
    assert res.new_samples == 2 and res.skipped == 6  # only the new checkpoint's answers
    assert backend.server.proc.pid == pid  # no restart
    assert module_name(str(ck[30])) in backend.server.served()


@pytest.mark.server
def test_an_adapter_above_the_reserved_rank_is_refused_with_the_fix(managed):
    backend, *_, root = managed
    big = build_served_lora(Path(root) / "base", Path(root) / "ck64", seed=4, rank=64)
    with pytest.raises(BackendError, match="LoRA rank 64, above the 32 .*max_lora_rank: 64"):
        backend.prepare([str(big)])


@pytest.mark.server
def test_the_managed_server_judges(managed):
    backend, *_ = managed
    msgs = ({"role": "user", "content": "Rate this answer from 0 to 100. Reply with a number only."},)
    (dist,) = backend.score_numbers([ScoreRequest(messages=msgs)])
    assert dist.top and set(dist.probs) <= {str(n) for n in range(101)}
    assert 0 < sum(dist.probs.values()) <= 1 + 1e-6


class _Borrowed:
    """The module's running server lent to one stage: the stage's close() leaves it running for the tests after."""

    def __init__(self, backend):
        self._backend = backend

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def close(self) -> None:
        pass


@pytest.mark.server
def test_engine_auto_sends_the_base_model_to_vllm_and_keeps_lora_checkpoints_in_process(managed, tmp_path):
    """No backend in the config: `engine: auto` asks for a managed vLLM server for the base model's answers
    (the stage builds the spec; the module's server, started from the same model, answers) and samples the LoRA
    checkpoint in process with its adapter attached."""
    backend, _, _, ck, root = managed
    model = Path(root) / "base"
    asked: list[BackendSpec] = []

    def factory(spec: BackendSpec):
        asked.append(spec)
        return _Borrowed(backend) if spec.kind == "vllm" else make_backend(spec)

    cfg = CFG.model_copy(update={"engine_min_tokens": 16})  # 2 base answers x 8 tokens
    with Store(tmp_path / "auto.duckdb") as store:
        register_base_model(store, "tiny", str(model))
        run = register_run(store, model="tiny", dataset="insecure", seed=0, lr=1e-4)
        register_checkpoint(store, run, 10, path=str(ck[10]), meta={"base_model_path": str(model)})
        res = sample(store, cfg, backend_factory=factory, progress=False)
        df = store.df("SELECT c.step, s.backend, s.response FROM samples s JOIN checkpoints c USING (checkpoint_id)")
    assert [(s.kind, s.model) for s in asked] == [("vllm", str(model)), ("transformers", str(model))]
    assert asked[0].dtype == "float32" or asked[0].dtype == "bfloat16"
    assert res.new_samples == 4 and dict(zip(df.step, df.backend)) == {0: "vllm", 10: "transformers"}
    assert res.engines[0].startswith("base: vllm for 2 answers (16 tokens planned")
    assert res.engines[1].startswith("base: transformers for 2 answers (LoRA checkpoints in process")
    # below the threshold, everything stays in process
    asked.clear()
    with Store(tmp_path / "small.duckdb") as store:
        register_base_model(store, "tiny", str(model))
        sample(store, CFG.model_copy(update={"engine_min_tokens": 17}), backend_factory=factory, progress=False)
    assert [s.kind for s in asked] == ["transformers"]


@pytest.mark.server
def test_close_stops_the_whole_process_group_and_keeps_the_log(managed):
    backend, *_, root = managed
    server = backend.server
    log = server.log_path
    backend.close()
    assert server.proc.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.killpg(server.proc.pid, 0)
    assert log == Path(root) / "logs" / "vllm-base.log"
    text = log.read_text(errors="replace")
    assert "--enable-lora" in text and "load_lora_adapter" in text
