"""Where emwatch meets the tools its users already work in: Inspect (EM-240 as a task, logs imported into the
store), experiment trackers (EM rates and monitor signals to TensorBoard / Weights & Biases) and Hugging Face
datasets (answers with their scores, training sets and banks). Each needs an optional extra, imported only when
asked for: `pip install 'emwatch[inspect]'`, `'emwatch[tracking]'`, `'emwatch[hf]'`."""

from __future__ import annotations

_LAZY = {
    "import_inspect_log": "emwatch.integrations._inspect_log",
    "export_answers_hf": "emwatch.integrations._hf",
    "export_data_hf": "emwatch.integrations._hf",
    "dataset_card": "emwatch.integrations._hf",
    "log_em_rates": "emwatch.integrations._tracking",
    "tracker_scalars": "emwatch.integrations._tracking",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'emwatch.integrations' has no attribute {name!r}")
