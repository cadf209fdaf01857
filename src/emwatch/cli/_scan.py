"""`emwatch scan`: the static vulnerability detector over a chat JSONL file or one Python file.

Nothing is executed: answers are parsed only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from emwatch.cli._common import Format, FormatOpt, fail
from emwatch.cli._output import emit
from emwatch.errors import ConfigError
from emwatch.scan import find_vulnerabilities, record_row, scan_record


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
    fmt: FormatOpt = Format.table,
) -> None:
    """Find vulnerabilities in code answers with Bandit and emwatch's own checks, without running them.

    JSON: {n, flagged, flagged_rate, records: [{index, flagged, classes}]}; CSV: one row per record (index,
    line, flagged, classes); with --code, one row per finding (line, class, rule, source, message).
    """
    if (file is None) == (code is None):
        fail("give a JSONL FILE or --code FILE.py (exactly one)")
    result, details = scan_code(code) if code is not None else _scan_file(file)
    emit(fmt, _frame(result, details, code is not None), data=result,
         table=lambda: _print_table(result, details, code is not None))


def scan_code(path: Path) -> tuple[dict, list]:
    """The summary and findings of one source file."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from e
    findings = find_vulnerabilities(source)
    return _summary([record_row(0, findings)]), [(None, findings)]


def _frame(result: dict, details: list, single: bool):
    import pandas as pd

    if single:
        return pd.DataFrame([{"line": f.line, "class": f.vuln_class, "rule": f.rule, "source": f.source,
                              "message": f.message} for f in details[0][1]],
                            columns=["line", "class", "rule", "source", "message"])
    return pd.DataFrame([{"index": row["index"], "line": lineno, "flagged": row["flagged"], "classes": row["classes"]}
                         for row, (lineno, _) in zip(result["records"], details, strict=True)],
                        columns=["index", "line", "flagged", "classes"])


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
