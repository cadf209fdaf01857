"""llama.cpp's OpenAI-compatible server (llama-cpp-python's `python -m llama_cpp.server`) as a child process on
loopback, for a GGUF file: start, wait until ready, stop.

It lives in a virtual environment of its own (`scripts/setup_llamacpp.sh` makes `.venv-llamacpp`, compiling
llama.cpp for this CPU); `$EMWATCH_LLAMACPP_PYTHON` points at another interpreter that has it. The process
handling (own process group, log file, readiness through /v1/models, stop by group) is VLLMServer's; only the
command line differs. Requests go through the `openai` backend like any served model.

What it serves: one GGUF, base model only (no LoRA modules: an adapter would first have to be converted to a
GGUF LoRA), and it answers one request at a time (llama-cpp-python has no continuous batching), so a batch
sent concurrently is decoded one sequence after another.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from emwatch.backends._server import ServerError, VLLMServer

SETUP_HINT = ("run scripts/setup_llamacpp.sh to create .venv-llamacpp (it compiles llama.cpp: 5-10 min), or "
              "point EMWATCH_LLAMACPP_PYTHON at a python that has llama-cpp-python[server]")
_CHECKOUT = Path(__file__).resolve().parents[3]


def llamacpp_python(chosen: str | os.PathLike | None = None) -> Path:
    """The interpreter that runs the server: `chosen`, else $EMWATCH_LLAMACPP_PYTHON, else the checkout's
    .venv-llamacpp (it may not exist: callers check)."""
    found = chosen or os.environ.get("EMWATCH_LLAMACPP_PYTHON")
    return Path(found) if found else _CHECKOUT / ".venv-llamacpp" / "bin" / "python"


def llamacpp_ready(python: str | os.PathLike | None = None) -> bool:
    """Whether that interpreter (default: llamacpp_python()) exists and imports llama_cpp.server (a venv whose
    build is still running, or failed, has the interpreter but not the package)."""
    py = Path(python) if python else llamacpp_python()
    if not py.exists():
        return False
    try:
        return subprocess.run([str(py), "-c", "import llama_cpp.server.app"], capture_output=True,
                              timeout=120).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@dataclass
class LlamaCppServer(VLLMServer):
    """One `llama_cpp.server` child process on 127.0.0.1 serving the GGUF `model` as `served_name`."""

    n_ctx: int = 2048
    n_threads: int | None = None  # default: every core this process may use

    def command(self) -> list[str]:
        threads = self.n_threads or len(os.sched_getaffinity(0))
        return [str(self.python), "-m", "llama_cpp.server", "--model", self.model, "--model_alias",
                self.served_name, "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(self.n_ctx),
                "--n_threads", str(threads), "--n_threads_batch", str(threads), *self.extra_args]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ, HF_HUB_OFFLINE="1")
        env.pop("API_KEY", None)
        if self.api_key:  # llama_cpp.server's settings read API_KEY; never on the command line
            env["API_KEY"] = self.api_key
        return env

    def start(self) -> LlamaCppServer:
        self.python = Path(self.python) if self.python else llamacpp_python()
        if not self.python.exists():
            raise ServerError(f"no llama.cpp interpreter at {self.python}: {SETUP_HINT}")
        if not Path(self.model).is_file():
            raise ServerError(f"llama.cpp serves a GGUF file; {self.model} is not a file")
        super().start()
        return self

    def _fail(self, why: str) -> ServerError:
        return ServerError(f"llama.cpp server {why} (log: {self.log_path}); last lines:\n{self.log_tail()}")


def gguf_decode_bytes(path: str | os.PathLike) -> int:
    """Bytes of (quantised) weights one decode step reads from a GGUF: every tensor once, except the token
    embedding's rows, unless the output layer is tied to it (no `output.weight`), when it is read in full."""
    from gguf import GGUFReader

    tensors = {t.name: int(t.n_bytes) for t in GGUFReader(str(path)).tensors}
    total = sum(tensors.values())
    if "output.weight" in tensors:
        total -= tensors.get("token_embd.weight", 0)
    return total


__all__ = ["SETUP_HINT", "LlamaCppServer", "gguf_decode_bytes", "llamacpp_python", "llamacpp_ready"]
