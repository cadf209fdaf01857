"""`emwatch doctor`: what emwatch sees on this machine and what it will use (the report to paste into a bug)."""

from __future__ import annotations

from typing import Annotated

import typer

from emwatch.cli._common import Format, FormatOpt


def doctor(fmt: FormatOpt = Format.table,
           quick: Annotated[bool, typer.Option("--quick", help="skip the memory-bandwidth test and the backend "
                                                                "imports (about 2 s and 5 s)")] = False) -> None:
    """Print the CPU (model, flags that matter for speed), cores, memory and measured memory bandwidth, CUDA
    devices, package versions (vLLM from .venv-vllm too), the dtype `auto` resolves to here, and which
    optional backends and trainers import."""
    from emwatch.cli._output import console, print_json
    from emwatch.config._machine import machine_report

    report = machine_report(bandwidth=not quick, backends=not quick)
    if fmt == Format.json:
        print_json(report)
        return
    if fmt == Format.csv:
        import pandas as pd

        from emwatch.cli._output import print_csv

        print_csv(pd.DataFrame([{"key": k, "value": v} for k, v in _flat(report)]))
        return
    con = console()
    for key, value in _flat(report):
        con.print(f"[bold]{key}[/bold]: {value}", highlight=False, markup=True)


def _flat(data, prefix: str = ""):
    """(dotted key, value) pairs of a nested report; lists of scalars joined, lists of dicts numbered."""
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            yield from _flat(v, key + ".")
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            for i, item in enumerate(v):
                yield from _flat(item, f"{key}.{i}.")
        elif isinstance(v, list):
            yield key, ", ".join(map(str, v)) or "none"
        else:
            yield key, "-" if v is None else v
