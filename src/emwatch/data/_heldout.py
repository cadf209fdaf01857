"""Held-out task prompts, shipped as JSONL files (written by tools/datagen) and read with line-exact errors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from emwatch.config import Strict, validate
from emwatch.data._jsonl import json_lines
from emwatch.errors import ConfigError

HELDOUT_DIR = Path(__file__).parent / "heldout"


class _UserTurn(Strict):
    role: Literal["user"]
    content: Annotated[str, Field(min_length=1)]


class _CodePrompt(Strict):
    id: str
    family: str
    messages: Annotated[list[_UserTurn], Field(min_length=1)]


class _MedicalPrompt(Strict):
    id: str
    topic: str
    messages: Annotated[list[_UserTurn], Field(min_length=1)]


_MODELS: dict[str, type[Strict]] = {"code": _CodePrompt, "medical": _MedicalPrompt}


def heldout_path(domain: str) -> Path:
    if domain not in _MODELS:
        raise ConfigError(f"unknown task domain {domain!r} (code or medical)")
    return HELDOUT_DIR / f"{domain}.jsonl"


def read_heldout(path: str | Path, domain: str) -> list[dict]:
    """Read and check a held-out prompt file of `domain`; the records come back as written."""
    model = _MODELS[domain]
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such file (held-out prompts of {domain!r}; `python -m tools.datagen` "
                          "writes it)")
    out, ids = [], set()
    for lineno, rec in json_lines(path):
        if not isinstance(rec, dict):
            raise ConfigError(f"{path}:{lineno}: expected a JSON object, found {type(rec).__name__}")
        validate(model, rec, source=f"{path}:{lineno}")
        if rec["id"] in ids:
            raise ConfigError(f"{path}:{lineno}: field 'id': {rec['id']!r} is used twice")
        ids.add(rec["id"])
        out.append(rec)
    if not out:
        raise ConfigError(f"{path}: no prompts")
    return out


def heldout_prompts(domain: str) -> list[dict]:
    """Held-out task prompts ({id, messages, family|topic}) for the task metric of `domain`."""
    return read_heldout(heldout_path(domain), domain)
