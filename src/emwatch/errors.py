"""Every error emwatch raises on purpose, in one module, so a caller (the CLI above all) can tell an expected
failure with a clear message from a bug.

Each class keeps the base it had before (ConfigError is a ValueError, StoreError a RuntimeError, ...), so code
that caught the builtin still works; all of them are also `EmwatchError`.
"""

from __future__ import annotations


class EmwatchError(Exception):
    """Base of every expected emwatch failure. Its message is meant for the user: file, line, field, cause."""


class ConfigError(EmwatchError, ValueError):
    """A config or data file is malformed. The message names file, line and field."""


class StoreError(EmwatchError, RuntimeError):
    """The store file cannot be used (wrong schema version, not a DuckDB file, locked, ...)."""


class BackendError(EmwatchError, RuntimeError):
    """A request failed in a way retrying cannot fix (bad request, auth, quota); carries the server's message."""


class RetryableError(EmwatchError, RuntimeError):
    """A transient failure (429, 5xx, timeout) worth retrying with backoff."""


class TemplateError(EmwatchError, ValueError):
    """A chat template cannot be used for training (assistant turns cannot be located)."""


class ModelFileError(EmwatchError, RuntimeError):
    """A model's weights cannot be found, assembled or verified (missing part, wrong size, wrong hash)."""


class MissingDependency(EmwatchError, ImportError):
    """An optional package is not installed; the message gives the exact `pip install` command."""


__all__ = ["BackendError", "ConfigError", "EmwatchError", "MissingDependency", "ModelFileError", "RetryableError",
           "StoreError", "TemplateError"]
