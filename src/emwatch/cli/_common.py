"""What every command shares: options, error reporting, the judge/backend flags."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated

import typer

from emwatch.config import BackendSpec, ConfigError

StoreOpt = Annotated[Path, typer.Option("--store", "-s", help="DuckDB result store (created if missing).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config for this stage; unknown keys are errors.", exists=False)]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="Hide progress bars.")]


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def friendly(fn):
    """Turn the errors users cause (bad files, configs, stores, servers) into one line and exit 1."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from emwatch.backends import BackendError
        from emwatch.store import StoreError

        try:
            return fn(*args, **kwargs)
        except (ConfigError, StoreError, BackendError, FileNotFoundError, ImportError) as e:
            fail(str(e))
        except KeyboardInterrupt:
            typer.echo("interrupted: what was committed stays in the store; rerun to resume", err=True)
            raise typer.Exit(130) from None
    return wrapper


def backend_from_flags(url: str | None, model: str | None, kind: str | None = None, *, key_env: str = "OPENAI_API_KEY",
                       logprobs: bool = True, tokenizer: str | None = None, concurrency: int = 8) -> BackendSpec | None:
    """A BackendSpec from --*-url/--*-model flags, or None when neither is given."""
    if not url and not model:
        return None
    if not model:
        fail("--judge-url needs --judge-model (the served model name)")
    kind = kind or ("openai" if url else "hf")
    return BackendSpec(kind=kind, model=model, base_url=url, api_key_env=key_env, logprobs=logprobs,
                       tokenizer=tokenizer, max_concurrency=concurrency)


def is_tty() -> bool:
    return sys.stderr.isatty()
