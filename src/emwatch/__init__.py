"""emwatch: run emergent-misalignment studies end to end and catch EM while a model trains.

Importing `emwatch` is cheap: `emwatch.open(store)` (the notebook API, `emwatch.api`) loads pandas, DuckDB and
the analysis only when first used."""

import os as _os

# Hugging Face Hub telemetry would start a thread that tries the network whenever TRL or transformers load;
# emwatch runs offline (a user who wants it sets the variable to 0)
_os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

__all__ = ["Study", "open"]


def __getattr__(name: str):
    if name in ("open", "Study"):
        from emwatch import api

        return getattr(api, name)
    raise AttributeError(f"module 'emwatch' has no attribute {name!r}")
