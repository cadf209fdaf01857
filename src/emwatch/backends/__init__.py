"""Generation backends behind one protocol, and the Runner that adds batching, concurrency and retries.

Backends register lazily: a missing optional dependency raises the exact `pip install` command.
"""

from emwatch.backends._chat import render_prompt
from emwatch.backends._protocol import (Backend, BackendError, Generation, GenerationRequest, NumberDistribution,
                                        RetryableError, ScoreRequest)
from emwatch.backends._runner import Runner
from emwatch.config import BackendSpec

_INSTALL = {
    "hf": "pip install torch==2.13.0 && pip install 'emwatch[hf]'",
    "openai": "pip install 'emwatch'",
    "tinker": "pip install 'emwatch[tinker]'",
}


def make_backend(spec: BackendSpec) -> Backend:
    """Build the backend `spec.kind` names."""
    try:
        if spec.kind == "hf":
            from emwatch.backends._hf import HFBackend

            return HFBackend(spec)
        if spec.kind == "openai":
            from emwatch.backends._openai import OpenAIBackend

            return OpenAIBackend(spec)
        if spec.kind == "tinker":
            from emwatch.train import TinkerSamplingBackend

            return TinkerSamplingBackend(spec)
    except ImportError as e:
        raise ImportError(f"backend {spec.kind!r} needs a package that is missing ({e.name}): "
                          f"{_INSTALL[spec.kind]}") from e
    raise ValueError(f"unknown backend kind {spec.kind!r}")


__all__ = [
    "Backend", "BackendError", "BackendSpec", "Generation", "GenerationRequest", "NumberDistribution",
    "RetryableError", "Runner", "ScoreRequest", "make_backend", "render_prompt",
]
