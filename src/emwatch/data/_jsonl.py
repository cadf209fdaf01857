"""Chat JSONL (one {"messages": [...]} object a line): reading with line-exact errors, writing."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path

from emwatch.config import ConfigError

ROLES = {"system", "user", "assistant"}


def _open(path: Path, mode: str):
    return gzip.open(path, mode + "t", encoding="utf-8") if path.suffix == ".gz" else path.open(mode, encoding="utf-8")


def validate_record(rec: object, where: str) -> dict:
    """Check one chat record; raise ConfigError naming `where` (file:line) and the field."""
    if not isinstance(rec, dict):
        raise ConfigError(f"{where}: expected a JSON object, found {type(rec).__name__}")
    unknown = set(rec) - {"messages", "metadata"}
    if unknown:
        raise ConfigError(f"{where}: field '{sorted(unknown)[0]}': unknown key (allowed: messages, metadata)")
    msgs = rec.get("messages")
    if not isinstance(msgs, list) or not msgs:
        raise ConfigError(f"{where}: field 'messages': must be a non-empty list")
    for i, m in enumerate(msgs):
        if not isinstance(m, dict):
            raise ConfigError(f"{where}: field 'messages.{i}': must be an object with role and content")
        if m.get("role") not in ROLES:
            raise ConfigError(f"{where}: field 'messages.{i}.role': must be one of {sorted(ROLES)}, got {m.get('role')!r}")
        if not isinstance(m.get("content"), str):
            raise ConfigError(f"{where}: field 'messages.{i}.content': must be a string")
        extra = set(m) - {"role", "content", "weight"}
        if extra:
            raise ConfigError(f"{where}: field 'messages.{i}.{sorted(extra)[0]}': unknown key")
    if not any(m["role"] == "assistant" for m in msgs):
        raise ConfigError(f"{where}: field 'messages': no assistant message to train on")
    if "metadata" in rec and not isinstance(rec["metadata"], dict):
        raise ConfigError(f"{where}: field 'metadata': must be an object")
    return rec


def json_lines(path: Path):
    """(line number, parsed value) of each non-blank line of a JSON-lines file (optionally .gz); a line that
    is not JSON is a ConfigError naming the file and the line."""
    with _open(path, "r") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as e:
                raise ConfigError(f"{path}:{lineno}: invalid JSON: {e.msg} (column {e.colno})") from None


def read_chat_jsonl(path: str | Path) -> list[dict]:
    """Read and validate a chat JSONL file (optionally .gz). Blank lines are skipped."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    out = [validate_record(rec, f"{path}:{lineno}") for lineno, rec in json_lines(path)]
    if not out:
        raise ConfigError(f"{path}: no records")
    return out


def write_chat_jsonl(records: Iterable[dict], path: str | Path) -> Path:
    """Write records atomically (a temp file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    with (gzip.GzipFile(tmp, "wb", mtime=0) if path.suffix == ".gz" else tmp.open("wb")) as raw:
        for rec in records:
            raw.write((json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8"))
    tmp.replace(path)
    return path
