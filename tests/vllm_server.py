"""Start a vLLM OpenAI-compatible server on loopback as a child process: test and benchmark scaffolding, kept
out of the installed package.

vLLM lives in its own virtual environment (it pins its own transformers): `scripts/setup_vllm.sh` makes
`.venv-vllm` at the repository root. `EMWATCH_VLLM_PYTHON` points at another interpreter that has vLLM.
The server runs in its own process group, logs to a file, and is killed as a group on `stop()`.

    with VLLMServer(model="tiny_dir", served_name="tiny", loras={"ck1": "adapter_dir"}) as server:
        server.wait_ready()
        ... OpenAIBackend(BackendSpec(kind="openai", model="tiny", base_url=server.url)) ...
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SETUP_HINT = "run scripts/setup_vllm.sh (or `make test`, which runs it) to create .venv-vllm"


def vllm_python() -> Path:
    """The interpreter that has vLLM: $EMWATCH_VLLM_PYTHON, else .venv-vllm/bin/python at the repo root."""
    chosen = os.environ.get("EMWATCH_VLLM_PYTHON")
    return Path(chosen) if chosen else REPO_ROOT / ".venv-vllm" / "bin" / "python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


from emwatch.errors import EmwatchError  # noqa: E402


class ServerError(EmwatchError, RuntimeError):
    """The server could not be started or did not become ready; the message ends with its log's tail."""


@dataclass
class VLLMServer:
    """One `vllm.entrypoints.openai.api_server` child process on 127.0.0.1."""

    model: str
    served_name: str
    loras: dict[str, str] = field(default_factory=dict)
    max_lora_rank: int = 8
    python: Path | None = None
    port: int | None = None
    api_key: str | None = None  # passed through VLLM_API_KEY, never on the command line
    dtype: str = "float32"
    max_model_len: int = 1024
    kv_cache_gb: int = 1
    log_path: Path | None = None
    extra_args: tuple[str, ...] = ()
    proc: subprocess.Popen | None = field(default=None, init=False, repr=False)
    started_at: float | None = field(default=None, init=False)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The OpenAI base_url of the server."""
        return self.root + "/v1"

    def command(self) -> list[str]:
        cmd = [str(self.python), "-m", "vllm.entrypoints.openai.api_server", "--model", self.model,
               "--served-model-name", self.served_name, "--host", "127.0.0.1", "--port", str(self.port),
               "--dtype", self.dtype, "--max-model-len", str(self.max_model_len), "--max-logprobs", "20"]
        if self.loras:
            cmd += ["--enable-lora", "--max-lora-rank", str(self.max_lora_rank), "--lora-modules",
                    *(f"{name}={path}" for name, path in self.loras.items())]
        return cmd + list(self.extra_args)

    def start(self) -> VLLMServer:
        self.python = Path(self.python) if self.python else vllm_python()
        if not self.python.exists():
            raise ServerError(f"no vLLM interpreter at {self.python}: {SETUP_HINT}")
        self.port = self.port or free_port()
        if self.log_path is None:
            self.log_path = Path(tempfile.mkdtemp(prefix="emwatch-vllm-")) / "server.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, VLLM_CPU_NUM_OF_RESERVED_CPU="0", VLLM_CPU_KVCACHE_SPACE=str(self.kv_cache_gb),
                   VLLM_NO_USAGE_STATS="1", DO_NOT_TRACK="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        env.pop("VLLM_API_KEY", None)
        if self.api_key:
            env["VLLM_API_KEY"] = self.api_key
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=env,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.started_at = time.monotonic()
        return self

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def _fail(self, why: str) -> ServerError:
        return ServerError(f"vLLM server {why} (log: {self.log_path}); last lines:\n{self.log_tail()}")

    def wait_ready(self, timeout: float = 300.0) -> float:
        """Poll /v1/models until it answers; returns the seconds since start. Raises ServerError with the log."""
        if self.proc is None or self.started_at is None:
            raise ServerError("start() the server first")
        deadline = self.started_at + timeout
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise self._fail(f"exited with code {self.proc.returncode} before it was ready")
            try:
                req = urllib.request.Request(self.url + "/models", headers=headers)
                with urllib.request.urlopen(req, timeout=2) as resp:
                    names = {m["id"] for m in json.load(resp)["data"]}
                missing = {self.served_name, *self.loras} - names
                if missing:
                    raise self._fail(f"is up but does not serve {sorted(missing)}")
                return time.monotonic() - self.started_at
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.5)
        self.stop()
        raise self._fail(f"was not ready within {timeout:.0f} s")

    def stop(self) -> None:
        """Kill the server's whole process group (the API server and its engine workers)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # engine workers may outlive the leader for a moment; sweep the group once more
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def __enter__(self) -> VLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
