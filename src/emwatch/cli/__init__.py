"""The `emwatch` command line: each command is a thin wrapper over one stage function.

Every command shares one error path (`EmwatchGroup`: `error: ...` on stderr, exit 1, no traceback for an
expected failure), `--store/-s` and `--format/-f table|json|csv`; see `emwatch.cli._common`.

Only the command being run is imported: `emwatch status` does not load the modules of `scan`, `bench` or
`train` (and the command modules import pandas, torch and the stages inside their functions), so a quick command
answers in about a second. `emwatch.cli.app` (the whole app, for tests and `--help`) is built on first use."""

from __future__ import annotations

import importlib
import sys
from typing import Any

HELP = (
    "Run emergent-misalignment (EM) studies end to end: fine-tune (train), sample answers to the EM-240 "
    "benchmark at every checkpoint (sample), judge them (judge), and turn them into statistics (analyze) and "
    "an HTML report (report). Every stage reads from and writes to one DuckDB store (--store), so any stage "
    "can be rerun, resumed or moved to another machine. Start with `emwatch demo`."
)
# name -> (module, attribute, how it is added): a command function, a Typer sub-app, or the judge group
COMMANDS: dict[str, tuple[str, str, str]] = {
    "demo": ("_demo", "demo", "command"),
    "train": ("_train", "train_cmd", "command"),
    "sample": ("_stages", "sample", "command"),
    "judge": ("_stages", "judge", "judge"),
    "analyze": ("_analysis", "analyze", "command"),
    "report": ("_analysis", "report", "command"),
    "import": ("_import", "import_", "command"),
    "upgrade": ("_import", "upgrade", "command"),
    "export": ("_stages", "export", "command"),
    "scan": ("_scan", "scan", "command"),
    "run": ("_run", "run", "command"),
    "status": ("_run", "status", "command"),
    "doctor": ("_doctor", "doctor", "command"),
    "bench": ("_bench", "bench_app", "typer"),
    "data": ("_data", "data_app", "typer"),
    "monitor": ("_monitor", "monitor_app", "typer"),
    "models": ("_models", "models_app", "typer"),
}
_app = None


def _add(app: Any, name: str) -> None:
    module, attr, how = COMMANDS[name]
    obj = getattr(importlib.import_module(f"emwatch.cli.{module}"), attr)
    if how == "command":
        app.command(name)(obj)
    elif how == "typer":
        app.add_typer(obj, name=name)
    else:
        from emwatch.cli._compare import judge_app

        app.add_typer(judge_app(obj), name=name)


def build_app(only: str | None = None) -> Any:
    """The Typer app with every command, or with the command `only` (a group of one, as `main` runs it)."""
    from emwatch.cli._common import new_app

    app = new_app(name="emwatch", help=HELP)
    for name in ([only] if only else COMMANDS):
        _add(app, name)
    if only:
        app.callback()(lambda: None)   # a group of one command stays a group: `emwatch NAME ...` as always
    return app


def main() -> None:
    """The `emwatch` entry point: the whole app once built (or when no known command is named), else the one
    command named on the command line."""
    name = sys.argv[1] if len(sys.argv) > 1 else None
    if _app is None and name in COMMANDS:
        build_app(name)()
    else:
        __getattr__("app")()


def __getattr__(name: str) -> Any:
    global _app
    if name == "app":
        if _app is None:
            _app = build_app()
        return _app
    if name == "EmwatchGroup":
        from emwatch.cli._common import EmwatchGroup

        return EmwatchGroup
    raise AttributeError(f"module 'emwatch.cli' has no attribute {name!r}")


__all__ = ["COMMANDS", "EmwatchGroup", "app", "build_app", "main"]
