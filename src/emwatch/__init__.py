"""emwatch: run emergent-misalignment studies end to end and catch EM while a model trains.

Importing `emwatch` is cheap: `emwatch.open(store)` (the notebook API, `emwatch.api`) loads pandas, DuckDB and
the analysis only when first used."""

__all__ = ["Study", "open"]


def __getattr__(name: str):
    if name in ("open", "Study"):
        from emwatch import api

        return getattr(api, name)
    raise AttributeError(f"module 'emwatch' has no attribute {name!r}")
