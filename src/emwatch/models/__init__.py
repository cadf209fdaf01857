"""Where model weights come from: the shipped demo model (assembled from registry packages, hash-checked).

Sits below the stages: it imports only emwatch.config, emwatch.errors, emwatch.store and third-party packages.
"""

from emwatch.models._demo import (
    DEMO_MODEL_NAME, DemoModelError, assemble_gguf, cache_dir, demo_model_dir, file_sha256, gguf_parts,
    resolve_model,
)

__all__ = ["DEMO_MODEL_NAME", "DemoModelError", "assemble_gguf", "cache_dir", "demo_model_dir", "file_sha256",
           "gguf_parts", "resolve_model"]
