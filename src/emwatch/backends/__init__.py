"""Generation backends behind one protocol, and the Runner that adds batching, concurrency and retries.

Backends are registered by name (`BACKENDS`, declared in `emwatch.config._plugins`) and imported when a
spec first names them; a missing optional dependency raises `MissingDependency` with the exact
`pip install` command. `register_backend("mine", MyBackend)` adds one, from any module.
"""

from emwatch.backends._chat import render_prompt
from emwatch.backends._head import contiguous_head
from emwatch.backends._pool import BackendPool, worker_pool
from emwatch.backends._protocol import (AsyncBackend, AsyncBackendBase, Backend, BackendBase, BackendError, Generation,
                                        GenerationRequest, NumberDistribution, RetryableError, ScoreRequest)
from emwatch.backends._retry import CircuitOpen, RetriesExhausted
from emwatch.backends._runner import Runner
from emwatch.backends._tinker import TinkerSamplingBackend
from emwatch.config import BACKENDS, BackendSpec, register_backend
from emwatch.errors import MissingDependency


def make_backend(spec: BackendSpec) -> Backend:
    """Build the backend registered as `spec.kind` (imported on first use)."""
    return BACKENDS.entry(spec.kind).call(spec)


__all__ = [
    "BACKENDS", "AsyncBackend", "AsyncBackendBase", "Backend", "BackendBase", "BackendError", "BackendPool", "BackendSpec",
    "CircuitOpen", "RetriesExhausted",
    "Generation", "GenerationRequest", "MissingDependency", "NumberDistribution", "RetryableError", "Runner",
    "ScoreRequest", "TinkerSamplingBackend", "contiguous_head", "make_backend", "register_backend", "render_prompt", "worker_pool",
]
