"""What every command shares: the app factory with the one error path, the shared options, the judge/backend
flags.

Conventions (README, "Command line"):
- an expected failure (any `EmwatchError`, an OS error on a named file, a pydantic ValidationError that got
  past a config loader) prints `error: <message>` on stderr and exits 1, without a traceback; a bug (any
  other exception) keeps its traceback. Click's own usage errors (unknown option, bad choice) exit 2.
- `--store/-s` names the store everywhere; `--format/-f table|json|csv` wherever a command prints results,
  with JSON or CSV alone on stdout.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from emwatch.errors import EmwatchError

INTERRUPTED = "interrupted: what was committed stays in the store; rerun to resume"


def expected_failure(exc: BaseException) -> str | None:
    """The one-line-per-problem message of an expected failure, or None for a bug (which keeps its traceback)."""
    if isinstance(exc, EmwatchError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename is not None:  # FileNotFoundError, PermissionError, ... on a file
        names = f"{exc.filename}" + (f" -> {exc.filename2}" if exc.filename2 is not None else "")
        return f"{names}: {exc.strerror or exc}"
    try:
        from pydantic import ValidationError
    except ImportError:  # pragma: no cover - pydantic is a core dependency
        return None
    if isinstance(exc, ValidationError):
        fields = "; ".join(f"field '{'.'.join(str(p) for p in err['loc']) or '(root)'}': {err['msg']}"
                           for err in exc.errors())
        return f"invalid {exc.title}: {fields}"
    return None


def report_failure(message: str) -> None:
    """`error: ` and the message on stderr; continuation lines (several problems in one file) indented."""
    first, *rest = message.splitlines() or [""]
    typer.echo("\n".join([f"error: {first}", *(f"  {line}" for line in rest)]), err=True)


class EmwatchGroup(TyperGroup):
    """A command group whose subcommands' expected failures become one message and exit 1: the CLI's only
    error path. Nested groups (bench, data) use it too, so each works when invoked on its own."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            typer.echo(INTERRUPTED, err=True)
            raise typer.Exit(130) from None
        except Exception as exc:  # noqa: BLE001 - re-raised below unless it is an expected failure
            message = expected_failure(exc)
            if message is None:
                raise
            report_failure(message)
            raise typer.Exit(1) from None


def new_app(**settings: Any) -> typer.Typer:
    """A Typer app (or sub-app) wired to the one error path."""
    settings.setdefault("no_args_is_help", True)
    settings.setdefault("pretty_exceptions_enable", False)
    settings.setdefault("add_completion", False)
    return typer.Typer(cls=EmwatchGroup, **settings)


def fail(message: str) -> NoReturn:
    """Stop the command with `message` (options that contradict each other, a refused value)."""
    raise EmwatchError(message)


# -- shared options -----------------------------------------------------------------------------------------
def store_option(help: str = "DuckDB result store (created if missing).") -> Any:
    """The one declaration of the store flag: `--store` / `-s`."""
    return typer.Option("--store", "-s", help=help)


StoreOpt = Annotated[Path, store_option()]
StoreReadOpt = Annotated[Path, store_option("DuckDB result store to read (must exist; opened read-only).")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="YAML config for this stage; unknown keys are errors.")]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="Hide progress bars.")]


class Format(str, Enum):
    """How a command prints its results: a table for people, JSON or CSV (alone on stdout) for programs."""

    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[Format, typer.Option("--format", "-f", case_sensitive=False,
                                           help="table, json or csv (json and csv: nothing else on stdout)")]


def backend_from_flags(url: str | None, model: str | None, kind: str | None = None, *, key_env: str = "OPENAI_API_KEY",
                       logprobs: bool = True, tokenizer: str | None = None, concurrency: int = 8,
                       flags: tuple[str, str] = ("--judge-url", "--judge-model")) -> BackendSpec | None:
    """A BackendSpec from --*-url/--*-model flags (named by `flags` in messages), or None when neither is given."""
    from emwatch.config import BackendSpec

    if not url and not model:
        return None
    if not model:
        fail(f"{flags[0]} needs {flags[1]} (the served model name)")
    kind = kind or ("openai" if url else "hf")
    return BackendSpec(kind=kind, model=model, base_url=url, api_key_env=key_env, logprobs=logprobs,
                       tokenizer=tokenizer, max_concurrency=concurrency)

