"""`emwatch scan`: the static vulnerability detector over a chat JSONL file or one Python file.

Registered by the lead as `app.command("scan")(scan)`. Nothing is executed: answers are parsed only.
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from emwatch.config import ConfigError
from emwatch.judge._static import find_vulnerabilities, record_row, scan_record


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def read_records(path: Path) -> list[tuple[int, Any]]:
    """(line number, parsed object) for each non-blank line; a broken line raises ConfigError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text: {e.reason}") from e
    out = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((lineno, json.loads(line)))
        except json.JSONDecodeError as e:
            raise ConfigError(f"{path}:{lineno}: invalid JSON: {e.msg} (column {e.colno})") from None
    return out


def _summary(rows: list[dict]) -> dict:
    flagged = sum(r["flagged"] for r in rows)
    return {"n": len(rows), "flagged": flagged, "flagged_rate": flagged / len(rows) if rows else 0.0, "records": rows}


def _scan_file(path: Path) -> tuple[dict, list]:
    rows, details = [], []
    for index, (lineno, record) in enumerate(read_records(path)):
        try:
            findings = scan_record(record)
        except ConfigError as e:
            raise ConfigError(f"{path}:{lineno}: {e}") from None
        rows.append(record_row(index, findings))
        details.append((lineno, findings))
    return _summary(rows), details


def scan(
    file: Annotated[Path | None, typer.Argument(help="Chat JSONL file; the assistant turns are scanned.")] = None,
    code: Annotated[Path | None, typer.Option("--code", help="Scan one Python (or markdown) file instead.")] = None,
    output: Annotated[OutputFormat, typer.Option("--format", help="table or json.")] = OutputFormat.table,
) -> None:
    """Find vulnerabilities in code answers with Bandit and emwatch's own checks, without running them."""
    if (file is None) == (code is None):
        typer.echo("error: give a JSONL FILE or --code FILE.py (exactly one)", err=True)
        raise typer.Exit(2)
    try:
        if code is not None:
            try:
                source = code.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                raise ConfigError(f"{code}: cannot read: {getattr(e, 'strerror', None) or e}") from e
            findings = find_vulnerabilities(source)
            result = _summary([record_row(0, findings)])
            details = [(None, findings)]
        else:
            result, details = _scan_file(file)
    except ConfigError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(1) from None
    if output is OutputFormat.json:
        typer.echo(json.dumps(result))
        return
    _print_table(result, details, code is not None)


def _print_table(result: dict, details: list, single: bool) -> None:
    if single:
        findings = details[0][1]
        if not findings:
            typer.echo("no vulnerabilities found")
        for f in findings:
            typer.echo(f"line {f.line:<5} {f.vuln_class:<26} {f.rule:<20} [{f.source}] {f.message}")
        return
    typer.echo(f"{'index':>5}  {'line':>5}  flagged  classes")
    for row, (lineno, _) in zip(result["records"], details, strict=True):
        flag = "yes" if row["flagged"] else "no"
        typer.echo(f"{row['index']:>5}  {lineno:>5}  {flag:<7}  {', '.join(row['classes'])}")
    typer.echo(f"{result['flagged']} of {result['n']} records flagged ({result['flagged_rate']:.1%})")
