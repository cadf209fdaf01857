"""The `vllm` backend: emwatch starts vLLM's OpenAI-compatible server for one base model, serves each LoRA
checkpoint of it as a module, and stops the server on `close()`.

The requests themselves go through `OpenAIBackend` (same retries, judging and error sorting as any served
model). What this module adds is the server's life and the checkpoint -> module mapping:

- A request's `adapter` is a served module name or a LoRA checkpoint folder (what the sample stage passes for
  a checkpoint without `served_name`). A folder is served under a stable name (`lora-<hash of its path>`);
  the first request for a folder the server does not know loads it at runtime (/v1/load_lora_adapter).
- `prepare(adapters)` (called by the sample stage with every adapter it is about to use) starts the server
  with those adapters as modules, so the LoRA rank it reserves fits them (read from adapter_config.json,
  at least vLLM's default 16; the EM recipes train rank 32).
- Prefix caching is on (the judge's long template is shared by every judge prompt).
- The server runs under `spec.python` / $EMWATCH_VLLM_PYTHON / .venv-vllm (vLLM pins its own transformers),
  in its own process group, logging to `<log_dir>/vllm-<name>.log`, reached with a random key.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from emwatch.backends._openai import OpenAIBackend
from emwatch.backends._protocol import (AsyncBackendBase, BackendError, Generation, GenerationRequest,
                                        NumberDistribution, ScoreRequest)
from emwatch.backends._server import VLLMServer
from emwatch.config import BackendSpec

STARTUP_TIMEOUT_S = 900.0  # a large model on a cold disk takes minutes to load
KEY_ENV = "EMWATCH_MANAGED_VLLM_KEY"


def module_name(path: str) -> str:
    """The LoRA module name a checkpoint folder is served under: stable for the same folder."""
    resolved = str(Path(path).expanduser().resolve())
    return "lora-" + hashlib.sha256(resolved.encode()).hexdigest()[:12]


def served_model_name(model: str) -> str:
    """The name the base model is served under: its folder's name (or the hub-style name as given)."""
    return Path(model).name if Path(model).expanduser().is_dir() else model


class VLLMBackend(AsyncBackendBase):
    """Generation and number judging on a managed vLLM server (see the module docstring)."""

    name = "vllm"

    def __init__(self, spec: BackendSpec, *, startup_timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        if spec.kind != "vllm":
            raise BackendError(f"VLLMBackend needs a spec with kind 'vllm', got {spec.kind!r}")
        self.spec = spec
        self.startup_timeout_s = startup_timeout_s
        self.served_name = served_model_name(spec.model)
        self._key = "emw-" + secrets.token_hex(16)
        self._modules: dict[str, str] = dict(spec.loras or {})  # module name -> folder
        self._by_path: dict[str, str] = {str(Path(p).resolve()): n for n, p in self._modules.items()}
        self._server: VLLMServer | None = None
        self._client: OpenAIBackend | None = None
        self._lock = threading.Lock()
        self.startup_s: float | None = None
        self._failed: BackendError | None = None

    def __repr__(self) -> str:
        return f"VLLMBackend(model={self.spec.model!r}, modules={len(self._modules)})"

    @property
    def server(self) -> VLLMServer | None:
        return self._server

    @property
    def log_path(self) -> Path | None:
        return None if self._server is None else self._server.log_path

    # ---- the server's life ----

    def prepare(self, adapters: Iterable[str]) -> None:
        """Serve these adapters (module names or folders): as modules at start, or loaded now if running."""
        for adapter in adapters:
            if adapter and adapter not in self._modules:
                self._module_for(adapter, load=self._server is not None)
        self.start()

    def start(self) -> VLLMServer:
        """Start the server (once) and wait until it serves the base model and every module."""
        with self._lock:
            if self._server is not None:
                return self._server
            if self._failed is not None:  # requests in flight when the start failed: not one start each
                raise self._failed
            spec = self.spec
            log_dir = Path(spec.log_dir) if spec.log_dir else None
            server = VLLMServer(
                model=spec.model, served_name=self.served_name, loras=dict(self._modules),
                max_lora_rank=spec.max_lora_rank, python=Path(spec.python) if spec.python else None,
                api_key=self._key, dtype=spec.dtype, max_model_len=spec.max_model_len or 4096,
                tensor_parallel_size=spec.tensor_parallel_size or 1, max_loras=min(max(spec.max_concurrency, 1), 4)
                if self._modules else None, extra_args=tuple(spec.server_args or ()),
                log_path=log_dir / f"vllm-{self.served_name}.log" if log_dir else None)
            try:
                server.start()
                self.startup_s = server.wait_ready(timeout=self.startup_timeout_s)
            except BackendError as err:
                server.stop()
                self._failed = err
                raise
            except BaseException:
                server.stop()
                raise
            client_spec = BackendSpec(kind="openai", model=self.served_name, base_url=server.url,
                                      api_key_env=KEY_ENV, batch_size=spec.batch_size,
                                      max_concurrency=spec.max_concurrency, max_tries=spec.max_tries,
                                      timeout_s=spec.timeout_s, tokenizer=spec.tokenizer, logprobs=spec.logprobs)
            client = OpenAIBackend(client_spec, server="vllm")
            client._key = self._key  # the server's own random key, never put in the environment
            self._server, self._client = server, client
            return server

    def close(self) -> None:
        with self._lock:
            client, server = self._client, self._server
            self._client = self._server = None
        if client is not None:
            client.close()
        if server is not None:
            server.stop()

    def __enter__(self) -> VLLMBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- checkpoints -> modules ----

    def _module_for(self, adapter: str, *, load: bool) -> str:
        """The module name serving `adapter` (a module name or a LoRA folder); a new folder is registered, and
        loaded into the running server when `load`."""
        if adapter in self._modules:
            return adapter
        folder = Path(adapter).expanduser()
        key = str(folder.resolve())
        with self._lock:
            if key in self._by_path:
                return self._by_path[key]
            if not (folder / "adapter_config.json").is_file():
                raise BackendError(f"{self.served_name} (managed vLLM) serves no module {adapter!r}: neither a "
                                   f"module name ({', '.join(sorted(self._modules)) or 'none'}) nor a LoRA "
                                   "checkpoint folder with adapter_config.json")
            name = module_name(key)
            if load:
                assert self._server is not None
                self._server.load_lora(name, key)
            self._modules[name] = key
            self._by_path[key] = name
            return name

    async def _route(self, adapter: str | None) -> tuple[OpenAIBackend, str | None]:
        if self._client is None:
            await asyncio.to_thread(self.start)
        assert self._client is not None
        if adapter is None:
            return self._client, None
        if adapter in self._modules:
            return self._client, adapter
        return self._client, await asyncio.to_thread(self._module_for, adapter, load=True)

    # ---- the interface the Runner uses ----

    async def agenerate_one(self, request: GenerationRequest) -> Generation:
        client, module = await self._route(request.adapter)
        return await client.agenerate_one(_with_adapter(request, module))

    async def ascore_one(self, request: ScoreRequest) -> NumberDistribution:
        client, module = await self._route(request.adapter)
        return await client.ascore_one(_with_adapter(request, module))

    def generate(self, requests: Sequence[GenerationRequest]) -> list[Generation]:
        self.start()
        return super().generate(requests)

    def score_numbers(self, requests: Sequence[ScoreRequest]) -> list[NumberDistribution]:
        self.start()
        return super().score_numbers(requests)


def _with_adapter(request, module: str | None):
    from dataclasses import replace

    return request if request.adapter == module else replace(request, adapter=module)


__all__ = ["VLLMBackend", "module_name", "served_model_name"]
