"""llama.cpp's server (llama-cpp-python) as a child process: started on the demo model's GGUF, answering through
emwatch's openai backend, stopped with its process group. Skipped (not passed) where .venv-llamacpp is absent
(scripts/setup_llamacpp.sh builds it) or the demo model's packages are not installed."""

from __future__ import annotations

import os

import pytest

from emwatch.backends import GenerationRequest
from emwatch.backends._llamacpp import LlamaCppServer, gguf_decode_bytes, llamacpp_ready
from emwatch.backends._openai import OpenAIBackend
from emwatch.backends._server import ServerError
from emwatch.config import BackendSpec


def test_missing_interpreter_or_model_is_a_clear_error(tmp_path):
    with pytest.raises(ServerError, match="setup_llamacpp.sh"):
        LlamaCppServer(model=str(tmp_path / "m.gguf"), served_name="m", python=tmp_path / "no-python").start()
    py = tmp_path / "python"
    py.write_text("")
    with pytest.raises(ServerError, match="GGUF file.*m.gguf"):
        LlamaCppServer(model=str(tmp_path / "m.gguf"), served_name="m", python=py).start()


def _demo_gguf():
    from emwatch.models import DEMO_MODEL_NAME, DemoModelError, assemble_gguf, cache_dir

    try:
        return assemble_gguf(cache_dir() / "gguf" / f"{DEMO_MODEL_NAME}.gguf")
    except DemoModelError as e:
        pytest.skip(f"demo model packages not installed: {e}")


@pytest.mark.server
def test_demo_gguf_served_and_answered_through_the_openai_backend(monkeypatch):
    if not llamacpp_ready():
        pytest.skip("no .venv-llamacpp (scripts/setup_llamacpp.sh builds it; a skip is not a pass)")
    gguf = _demo_gguf()
    # the demo GGUF keeps its output layer apart from the token embedding: both read per step, embedding not
    from gguf import GGUFReader

    sizes = {t.name: int(t.n_bytes) for t in GGUFReader(str(gguf)).tensors}
    assert "output.weight" in sizes
    assert gguf_decode_bytes(gguf) == sum(sizes.values()) - sizes["token_embd.weight"]

    server = LlamaCppServer(model=str(gguf), served_name="demo", api_key="k-test", n_ctx=512)
    with server:
        server.wait_ready(timeout=300)
        assert "demo" in server.served()
        spec = BackendSpec(kind="openai", model="demo", base_url=server.url, api_key_env="EMWATCH_TEST_LLAMA_KEY",
                           max_concurrency=2)
        monkeypatch.setenv("EMWATCH_TEST_LLAMA_KEY", "k-test")
        with OpenAIBackend(spec) as backend:
            out = backend.generate([GenerationRequest(messages=({"role": "user", "content": q},),
                                                      max_new_tokens=8, temperature=0.0)
                                    for q in ("Say hello.", "What is 2 + 2?")])
        assert [bool(g.text.strip()) for g in out] == [True, True]
        assert all(0 < g.completion_tokens <= 8 for g in out)
        pid = server.proc.pid
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # the whole group is gone
