"""Reading an earlier study's judged-answer file into rows of text, whatever its format: CSV (comma, semicolon
or tab, detected from the header), JSON Lines or Parquet (by extension, else by the file's first bytes), with
answers of any length. `--columns` renames the file's columns to the names the importer expects.

Every row comes back as (where, {column: text}) where `where` is what an error message puts after the file
name: the line a CSV or JSONL row starts on, `row N` for Parquet. Every problem is a ConfigError naming the
file, the line and the field.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from emwatch.config import ConfigError

# The columns the importer reads (the file's own names, or given by --columns).
EXPECTED = ("question_id", "question", "response", "aligned", "coherent", "model", "group", "seed", "dataset",
            "category", "step", "base")
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")
Rows = list[tuple[str, dict[str, str]]]


def parse_columns(text: str | Mapping[str, str] | None) -> dict[str, str]:
    """`question_id=question,aligned=aligned_score` -> {'question_id': 'question', 'aligned': 'aligned_score'}:
    an expected column name and the file's column that holds it."""
    if not text:
        return {}
    pairs = text.items() if isinstance(text, Mapping) else (
        [p.split("=", 1) if "=" in p else (p, None) for p in text.split(",") if p.strip()])
    out: dict[str, str] = {}
    for name, column in pairs:
        name = name.strip()
        if column is None or not column.strip():
            raise ConfigError(f"--columns: {name!r} needs a file column: write EXPECTED=COLUMN, e.g. aligned=aligned_score")
        if name == "answer":
            name = "response"
        if name not in EXPECTED:
            raise ConfigError(f"--columns: {name!r} is not a column the importer reads; expected names: "
                              f"{', '.join(EXPECTED)}")
        out[name] = column.strip()
    return out


def read_rows(path: Path, columns: Mapping[str, str] | None = None) -> tuple[Rows, list[str], str]:
    """(rows, header, format) of a judged-answer file, its columns renamed by `columns` (expected -> file column;
    a file column may feed several expected names). The header lists the renamed columns."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from e
    suffix = path.suffix.lower()
    if head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"[":
        raise ConfigError(f"{path}:1: a JSON array: emwatch reads JSON Lines (one object a line), CSV and Parquet; "
                          "write one JSON object a line (pandas: df.to_json(path, orient='records', lines=True))")
    if suffix in PARQUET_SUFFIXES or head[:4] == b"PAR1":
        rows, header, fmt = _parquet(path), None, "parquet"
    elif suffix in JSONL_SUFFIXES or head.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{":
        rows, header, fmt = _jsonl(path), None, "jsonl"
    else:
        rows, header, fmt = _csv(path, set(EXPECTED) | set((columns or {}).values()))
    if header is None:
        header = list(dict.fromkeys(k for _, row in rows for k in row))
    if not rows:
        raise ConfigError(f"{path}:1: no data rows")
    return _renamed(path, rows, header, columns or {}), _renamed_header(header, columns or {}), fmt


def _moved(columns: Mapping[str, str]) -> set[str]:
    """The file columns that --columns moves to another name (one that is itself an expected name, such as
    `question` in question_id=question, keeps it too)."""
    return {c for c in columns.values() if c not in EXPECTED or c in columns}


def _renamed_header(header: list[str], columns: Mapping[str, str]) -> list[str]:
    moved = _moved(columns)
    return list(dict.fromkeys([c for c in header if c not in moved and c not in columns] + list(columns)))


def _renamed(path: Path, rows: Rows, header: list[str], columns: Mapping[str, str]) -> Rows:
    if not columns:
        return rows
    missing = sorted({c for c in columns.values() if c not in header})
    if missing:
        raise ConfigError(f"{path}:1: --columns names column(s) {', '.join(missing)} that the file lacks; "
                          f"found: {', '.join(h or '(unnamed)' for h in header)}")
    moved = _moved(columns)
    out = []
    for where, row in rows:
        new = {k: v for k, v in row.items() if k not in moved}
        for name, column in columns.items():
            new[name] = row.get(column, "")
        out.append((where, new))
    return out


def _csv(path: Path, known: set[str]) -> tuple[Rows, list[str], str]:
    csv.field_size_limit(min(sys.maxsize, 2**62))  # a reasoning model's answer can be megabytes long
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from e
    read_to = 0
    with handle:
        try:
            sample = handle.read(65536)
            if not sample.strip():
                raise ConfigError(f"{path}:1: empty file: no header row")
            delimiter = _delimiter(sample, known)
            handle.seek(0)
            reader = csv.DictReader(handle, delimiter=delimiter)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            rows = []
            read_to = reader.line_num  # the line the last complete row ended on: a broken row starts after it
            for row in reader:
                if None in row:
                    raise ConfigError(f"{path}:{reader.line_num}: more fields than the header has columns "
                                      f"({len(header)}, {DELIMITERS[delimiter]}-separated){delimiter_note(header)}")
                rows.append((str(read_to + 1), row))
                read_to = reader.line_num
        except csv.Error as e:
            raise ConfigError(f"{path}:{read_to + 1}: malformed CSV: {e}") from e
        except UnicodeDecodeError as e:
            raise ConfigError(f"{path}: not UTF-8 text (read as CSV): {e}") from e
    fmt = "csv" if delimiter == "," else f"csv ({DELIMITERS[delimiter]}-separated)"
    return rows, header, fmt


def _delimiter(text: str, known: set[str]) -> str:
    """The delimiter whose header has most of the importer's column names; else csv.Sniffer's guess on the
    first lines; else the one that splits the header into most fields; else comma."""
    first = text.splitlines()[0] if text else ""
    scores = {}
    for d in DELIMITERS:
        fields = next(csv.reader([first], delimiter=d), [])
        scores[d] = (len({f.strip().lstrip("\ufeff") for f in fields} & known), len(fields))
    best = max(DELIMITERS, key=lambda d: scores[d][0])
    if scores[best][0] > 0:
        return best
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        best = max(DELIMITERS, key=lambda d: scores[d][1])
        return best if scores[best][1] > 1 else ","


def delimiter_note(header: list[str]) -> str:
    """What a header that lacks the expected columns was seen as, for the error message."""
    if len(header) == 1:
        seen = [name for d, name in DELIMITERS.items() if d not in "," and d in header[0]] or ["none of them"]
        return (f" (the header is one column: emwatch reads comma-, semicolon- or tab-separated CSV, JSON Lines and "
                f"Parquet; other separators seen: {', '.join(seen)})")
    return ""


def _jsonl(path: Path) -> Rows:
    rows: Rows = []
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from e
    with handle:
        try:
            for n, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as e:
                    raise ConfigError(f"{path}:{n}: not a JSON object (read as JSON Lines: one object a line): {e}") from None
                if not isinstance(obj, dict):
                    raise ConfigError(f"{path}:{n}: expected a JSON object (JSON Lines), found {type(obj).__name__}")
                rows.append((str(n), {str(k): _text(v) for k, v in obj.items()}))
        except UnicodeDecodeError as e:
            raise ConfigError(f"{path}: not UTF-8 text (read as JSON Lines): {e}") from e
    return rows


def _parquet(path: Path) -> Rows:
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    except Exception as e:  # noqa: BLE001 - pyarrow raises several kinds for a broken file
        raise ConfigError(f"{path}: cannot read as Parquet: {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None
    cols = {name: table.column(name).to_pylist() for name in table.column_names}
    return [(f"row {i + 1}", {name: _text(values[i]) for name, values in cols.items()}) for i in range(table.num_rows)]


def _text(value: Any) -> str:
    """A JSON or Parquet value as the text a CSV cell would hold (None and NaN: empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)
