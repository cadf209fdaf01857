"""A vLLM OpenAI-compatible server as a child process on loopback: start, wait until ready, load LoRA adapters
at runtime, stop.

vLLM pins its own transformers, so it usually lives in another virtual environment: the server runs under
that environment's python (`vllm_python`). It runs in its own process group (so stopping it also ends its
engine workers), logs to a file, and is reached with a random API key passed through VLLM_API_KEY, never on
the command line.

    with VLLMServer(model="model_dir", served_name="base", loras={"ck1": "adapter_dir"}) as server:
        server.wait_ready()
        ... OpenAIBackend(BackendSpec(kind="openai", model="base", base_url=server.url)) ...
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from emwatch.errors import BackendError

# vLLM accepts these values for --max-lora-rank (vllm/config/lora.py, MaxLoRARanks)
VLLM_LORA_RANKS = (1, 8, 16, 32, 64, 128, 256, 320, 512)
DEFAULT_LORA_RANK = 16  # vLLM's own default; the EM recipes' rank 32 is above it
SETUP_HINT = ("run scripts/setup_vllm.sh (or `make test`, which runs it) to create .venv-vllm, or point "
              "EMWATCH_VLLM_PYTHON (backend.python) at a python that has vLLM")
_CHECKOUT = Path(__file__).resolve().parents[3]  # the repository root when emwatch runs from a checkout


class ServerError(BackendError):
    """The server could not be started, did not become ready, or refused an adapter; the message ends with the
    tail of its log."""


def vllm_python(chosen: str | os.PathLike | None = None) -> Path:
    """The interpreter that has vLLM: `chosen`, else $EMWATCH_VLLM_PYTHON, else .venv-vllm/bin/python in the
    working folder or the emwatch checkout, else this python when it imports vllm. Not found: the first
    candidate (starting it then fails with the set-up hint)."""
    if chosen:
        return Path(chosen)
    if os.environ.get("EMWATCH_VLLM_PYTHON"):
        return Path(os.environ["EMWATCH_VLLM_PYTHON"])
    candidates = [Path.cwd() / ".venv-vllm" / "bin" / "python", _CHECKOUT / ".venv-vllm" / "bin" / "python"]
    for path in candidates:
        if path.exists():
            return path
    if importlib.util.find_spec("vllm") is not None:
        return Path(sys.executable)
    return candidates[-1]


def free_port() -> int:
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def adapter_rank(path: str | os.PathLike) -> int:
    """The largest LoRA rank in an adapter folder's adapter_config.json (`r` and any `rank_pattern` value)."""
    cfg_path = Path(path) / "adapter_config.json"
    try:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackendError(f"{cfg_path}: not found; a LoRA checkpoint folder holds adapter_config.json") from None
    except (OSError, json.JSONDecodeError) as err:
        raise BackendError(f"{cfg_path}: cannot read it: {err}") from None
    ranks = [cfg.get("r")] + list((cfg.get("rank_pattern") or {}).values())
    ranks = [int(r) for r in ranks if isinstance(r, (int, float))]
    if not ranks:
        raise BackendError(f"{cfg_path}: field 'r' (the LoRA rank) is missing")
    return max(ranks)


def lora_rank_for(paths: Iterable[str | os.PathLike], at_least: int = DEFAULT_LORA_RANK) -> int:
    """The --max-lora-rank that fits every adapter in `paths`: their largest rank (at least `at_least`),
    rounded up to a value vLLM accepts."""
    need = max([at_least, *(adapter_rank(p) for p in paths)])
    for rank in VLLM_LORA_RANKS:
        if rank >= need:
            return rank
    raise BackendError(f"LoRA rank {need} is above the largest vLLM serves ({VLLM_LORA_RANKS[-1]})")


@dataclass
class VLLMServer:
    """One `vllm.entrypoints.openai.api_server` child process on 127.0.0.1.

    `loras` are served from the start; with `runtime_lora` more can be loaded later (`load_lora`).
    """

    model: str
    served_name: str
    loras: dict[str, str] = field(default_factory=dict)
    max_lora_rank: int | None = None  # None: read from `loras` (at least 16); LoRA is on when this or loras is set
    python: Path | None = None
    port: int | None = None
    api_key: str | None = None  # passed through VLLM_API_KEY, never on the command line
    dtype: str = "float32"
    max_model_len: int = 1024
    tensor_parallel_size: int = 1
    prefix_caching: bool = True
    runtime_lora: bool = True
    max_loras: int | None = None  # adapters in one batch (default: up to 4)
    kv_cache_gb: int = 1  # CPU build only: the KV cache's size
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

    @property
    def lora_enabled(self) -> bool:
        return bool(self.loras) or self.max_lora_rank is not None

    def command(self) -> list[str]:
        cmd = [str(self.python), "-m", "vllm.entrypoints.openai.api_server", "--model", self.model,
               "--served-model-name", self.served_name, "--host", "127.0.0.1", "--port", str(self.port),
               "--dtype", self.dtype, "--max-model-len", str(self.max_model_len), "--max-logprobs", "20"]
        if self.tensor_parallel_size > 1:
            cmd += ["--tensor-parallel-size", str(self.tensor_parallel_size)]
        cmd.append("--enable-prefix-caching" if self.prefix_caching else "--no-enable-prefix-caching")
        if self.lora_enabled:
            rank = lora_rank_for(self.loras.values(), at_least=self.max_lora_rank or DEFAULT_LORA_RANK)
            self.max_lora_rank = rank  # fixed from now on: adapters loaded later must fit it
            max_loras = self.max_loras or min(max(len(self.loras), 1), 4)
            cmd += ["--enable-lora", "--max-lora-rank", str(rank), "--max-loras", str(max_loras),
                    "--max-cpu-loras", str(max(max_loras, len(self.loras), 8))]
            if self.loras:
                cmd += ["--lora-modules", *(f"{name}={path}" for name, path in self.loras.items())]
        return cmd + list(self.extra_args)

    def environment(self) -> dict[str, str]:
        env = dict(os.environ, VLLM_CPU_NUM_OF_RESERVED_CPU="0", VLLM_CPU_KVCACHE_SPACE=str(self.kv_cache_gb),
                   VLLM_NO_USAGE_STATS="1", DO_NOT_TRACK="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        env.pop("VLLM_API_KEY", None)
        if self.api_key:
            env["VLLM_API_KEY"] = self.api_key
        if self.runtime_lora and self.lora_enabled:
            env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] = "True"
        return env

    def start(self) -> VLLMServer:
        self.python = Path(self.python) if self.python else vllm_python()
        if not self.python.exists():
            raise ServerError(f"no vLLM interpreter at {self.python}: {SETUP_HINT}")
        self.port = self.port or free_port()
        if self.log_path is None:
            self.log_path = Path(tempfile.mkdtemp(prefix="emwatch-vllm-")) / "server.log"
        self.log_path = Path(self.log_path)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = self.command()
        with open(self.log_path, "wb") as log:
            log.write(("$ " + " ".join(cmd) + "\n").encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=self.environment(),
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        self.started_at = time.monotonic()
        return self

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path or not Path(self.log_path).exists():
            return "(no log)"
        text = Path(self.log_path).read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def _fail(self, why: str) -> ServerError:
        return ServerError(f"vLLM server {why} (log: {self.log_path}); last lines:\n{self.log_tail()}")

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def served(self) -> set[str]:
        """The model names /v1/models lists now (the base model and every LoRA module)."""
        req = urllib.request.Request(self.url + "/models", headers=self._headers())
        with urllib.request.urlopen(req, timeout=5) as resp:
            return {m["id"] for m in json.load(resp)["data"]}

    def healthy(self) -> bool:
        """Whether the process runs and /health answers 200."""
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(self.root + "/health", timeout=5) as resp:
                return resp.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def wait_ready(self, timeout: float = 300.0) -> float:
        """Poll /v1/models until it answers; returns the seconds since start. Raises ServerError with the log."""
        if self.proc is None or self.started_at is None:
            raise ServerError("start() the server first")
        deadline = self.started_at + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise self._fail(f"exited with code {self.proc.returncode} before it was ready")
            try:
                names = self.served()
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.5)
                continue
            missing = {self.served_name, *self.loras} - names
            if missing:
                raise self._fail(f"is up but does not serve {sorted(missing)}")
            return time.monotonic() - self.started_at
        self.stop()
        raise self._fail(f"was not ready within {timeout:.0f} s")

    def load_lora(self, name: str, path: str) -> None:
        """Serve the adapter folder `path` as module `name` from now on (POST /v1/load_lora_adapter)."""
        if not self.lora_enabled:
            raise ServerError(f"cannot load adapter {path}: this server was started without LoRA "
                              "(give it adapters at start, or set backend.max_lora_rank)")
        rank = adapter_rank(path)
        if self.max_lora_rank is not None and rank > self.max_lora_rank:
            raise ServerError(f"adapter {path} has LoRA rank {rank}, above the {self.max_lora_rank} this server "
                              f"reserved at start: set backend.max_lora_rank: {lora_rank_for([], rank)} (or start "
                              "the server with that adapter among its modules)")
        body = json.dumps({"lora_name": name, "lora_path": str(path)}).encode()
        req = urllib.request.Request(self.url.removesuffix("/v1") + "/v1/load_lora_adapter", data=body,
                                     headers={"Content-Type": "application/json", **self._headers()})
        try:
            with urllib.request.urlopen(req, timeout=300) as resp:
                resp.read()
        except urllib.error.HTTPError as err:
            detail = err.read().decode(errors="replace")[:500]
            if err.code == 404:
                detail = "the server has no /v1/load_lora_adapter (VLLM_ALLOW_RUNTIME_LORA_UPDATING unset?)"
            raise ServerError(f"vLLM server refused adapter {path} as {name!r} ({err.code}): {detail}") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as err:
            raise self._fail(f"did not answer loading adapter {path}: {err}") from None
        self.loras[name] = str(path)

    def stop(self) -> None:
        """Kill the server's whole process group (the API server and its engine workers)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # engine workers may outlive the leader for a moment: sweep the group until it is gone (or 10 s)
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.1)

    def __enter__(self) -> VLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["DEFAULT_LORA_RANK", "SETUP_HINT", "VLLM_LORA_RANKS", "ServerError", "VLLMServer", "adapter_rank",
           "free_port", "lora_rank_for", "vllm_python"]
