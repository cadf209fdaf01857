"""Test and benchmark scaffolding around the package's vLLM server (`emwatch.backends._server`).

vLLM lives in its own virtual environment (it pins its own transformers): `scripts/setup_vllm.sh` makes
`.venv-vllm` at the repository root. `EMWATCH_VLLM_PYTHON` points at another interpreter that has vLLM.
The server runs in its own process group, logs to a file, and is killed as a group on `stop()`.

    with VLLMServer(model="tiny_dir", served_name="tiny", loras={"ck1": "adapter_dir"}) as server:
        server.wait_ready()
        ... OpenAIBackend(BackendSpec(kind="openai", model="tiny", base_url=server.url)) ...
"""

from __future__ import annotations

from pathlib import Path

from emwatch.backends._server import SETUP_HINT, ServerError, VLLMServer, free_port, vllm_python

REPO_ROOT = Path(__file__).resolve().parents[1]

__all__ = ["REPO_ROOT", "SETUP_HINT", "ServerError", "VLLMServer", "free_port", "vllm_python"]
