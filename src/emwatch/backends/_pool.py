"""Backends kept loaded between pieces of work: the one pool every driver (`emwatch sample`, `emwatch judge`, the
study job, the demo) hands to the stages' `work` functions, so a model loads once per process, not once per
checkpoint or per stage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emwatch.config import BackendSpec


class BackendPool:
    """Backends by spec, at most `size` open at a time (the least recently used closed first). An in-process
    backend of weights already loaded (a judge of the sampler's own base model, as in the CPU demo) shares them
    instead of loading a second copy. `factory` builds a backend from its spec (default: `make_backend`)."""

    def __init__(self, size: int = 2, factory: Callable[[BackendSpec], Any] | None = None):
        self.size = size
        self.factory = factory
        self._open: dict[str, Any] = {}
        self._views: dict[str, tuple[str, Any]] = {}  # key -> (owner's key, backend sharing the owner's weights)

    def get(self, spec: BackendSpec) -> Any:
        key = spec.model_dump_json()
        if key in self._views:
            return self._views[key][1]
        if key in self._open:
            self._open[key] = self._open.pop(key)
            return self._open[key]
        for owner_key, owner in self._open.items():
            if hasattr(owner, "same_weights") and owner.same_weights(spec):
                self._views[key] = (owner_key, type(owner)(spec, shares=owner))
                return self._views[key][1]
        while len(self._open) >= self.size:
            self._close(next(iter(self._open)))
        if self.factory is None:
            from emwatch.backends import make_backend

            self._open[key] = make_backend(spec)
        else:
            self._open[key] = self.factory(spec)
        return self._open[key]

    def _close(self, key: str) -> None:
        for view_key in [k for k, (owner, _) in self._views.items() if owner == key]:
            self._views.pop(view_key)[1].close()
        self._open.pop(key).close()

    def close(self) -> None:
        for key in list(self._open):
            self._close(key)

    def __enter__(self) -> BackendPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


_POOL: BackendPool | None = None


def worker_pool() -> BackendPool:
    """This process's backend pool (a Ray worker keeps its models loaded between tasks)."""
    global _POOL
    if _POOL is None:
        _POOL = BackendPool()
    return _POOL
