"""Printing a command's results in the chosen `--format`: a rich table, JSON or CSV on stdout.

JSON and CSV go to stdout alone (messages and progress go to stderr), so `emwatch ... --format json | jq`
always parses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Any

import typer

from emwatch.cli._common import Format


def console():
    """A rich console on stdout; piped or captured, tables are not squeezed into 80 columns."""
    from rich.console import Console

    con = Console()
    return con if con.is_terminal else Console(width=max(con.width, 130))


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def records(frame) -> list[dict]:
    """Rows of a frame as JSON-ready dicts: NaN and NA become null, timestamps ISO strings."""
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


def print_csv(frame) -> None:
    """A frame as CSV; list and dict cells as JSON text."""
    def cell(v):
        return json.dumps(v, ensure_ascii=False) if isinstance(v, (list, tuple, dict)) else v

    out = frame.apply(lambda c: c.map(cell) if c.dtype == object else c)
    typer.echo(out.to_csv(index=False), nl=False)


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    if value is None or _is_na(value) or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _is_na(value: Any) -> bool:
    """pandas' NA (only where pandas is imported already: plain rows never hold it)."""
    import sys

    pd = sys.modules.get("pandas")
    return pd is not None and value is pd.NA


def print_table(frame, *, title: str | None = None, hide: Sequence[str] = ()) -> None:
    """A frame as a rich table, wide enough for its widest cells; numeric columns right-aligned."""
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    frame = frame.drop(columns=[c for c in hide if c in frame])
    cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max([len(str(c))] + [len(r[i]) for r in cells]) for i, c in enumerate(frame.columns)]
    table = Table(title=title, show_lines=False, header_style="bold")
    for c in frame.columns:
        table.add_column(str(c), justify="right" if pd.api.types.is_numeric_dtype(frame[c]) else "left")
    for row in cells:
        table.add_row(*row)
    Console(width=max(80, sum(widths) + 3 * len(widths) + 1), soft_wrap=True).print(table)


def emit(fmt: Format, frame=None, *, data: Any = None, table: Callable[[], None] | None = None) -> None:
    """Print a result in `fmt`. `frame` is the tidy form (CSV, and JSON and table unless given otherwise);
    `data` a JSON form of another shape; `table` a custom table printer."""
    if fmt is Format.json:
        print_json(data if data is not None else records(frame))
    elif fmt is Format.csv:
        print_csv(frame)
    elif table is not None:
        table()
    else:
        print_table(frame)


def emit_rows(fmt: Format, rows: list[dict], columns: Sequence[str], *, title: str | None = None) -> None:
    """Plain rows (dicts) in `fmt`, as `emit` prints a frame, without pandas (`emwatch status` stays quick):
    JSON records, CSV with a header, or a rich table with numbers right-aligned."""
    if fmt is Format.json:
        print_json([{c: r.get(c) for c in columns} for r in rows])
    elif fmt is Format.csv:
        import csv
        import io

        buf = io.StringIO()
        out = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
        out.writeheader()
        out.writerows(rows)
        typer.echo(buf.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        cells = [[_cell(r.get(c)) for c in columns] for r in rows]
        widths = [max([len(str(c))] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
        numeric = [bool(rows) and all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows)
                   and any(r.get(c) is not None for r in rows) for c in columns]
        table = Table(title=title, show_lines=False, header_style="bold")
        for c, num in zip(columns, numeric):
            table.add_column(str(c), justify="right" if num else "left")
        for row in cells:
            table.add_row(*row)
        Console(width=max(80, sum(widths) + 3 * len(widths) + 1), soft_wrap=True).print(table)


def print_replay(res: dict) -> None:
    """The adaptive replay's headline, its stops and the decisions it changed."""
    saving = "–" if res["saving"] is None else f"{res['saving']:.2f}"
    lines = [f"adaptive replay (judge {res['judge']}): {res['calls_adaptive']:,} judge calls instead of "
             f"{res['calls_full']:,} ({saving}x fewer); answers {res['answers_adaptive']:,} of {res['answers_full']:,}",
             "  stops: " + ", ".join(f"{k} {v}" for k, v in res["stops"].items()),
             f"  decisions: {res['decisions']['total']} ("
             + ", ".join(f"{k} {v}" for k, v in res["decisions"].items() if k != "total")
             + f"); changed {res['n_changed']} ("
             + ("–" if res["changed_share"] is None else f"{100 * res['changed_share']:.1f}%") + ")",
             f"  reported intervals covering the full-data rate: {res['coverage']['covered']} of {res['coverage']['n']}"]
    lines += [f"  left out: {k}, {v['runs']} run(s): {v['why']}" for k, v in res.get("left_out", {}).items()]
    lines += [f"  changed: {c}" for c in res["changed"]]
    typer.echo("\n".join(lines))
