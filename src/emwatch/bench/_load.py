"""Find and load question banks: built-in ones, imported ones (the user data dir) and YAML paths."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emwatch.config import ConfigError, read_yaml, validate
from emwatch.bench._question import CATEGORIES, Bank, Question

BUILTIN_DIR = Path(__file__).parent / "banks"
# name -> (file, whether every category must be one of the 8 EM-240 categories)
BUILTIN_BANKS: dict[str, tuple[str, bool]] = {
    "em240": ("em240.yaml", True),
    "truthfulness": ("truthfulness.yaml", False),
}
BANK_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"


@dataclass(frozen=True)
class BankInfo:
    """A bank that `load_bank` can find by name."""

    name: str
    kind: str  # 'builtin' | 'imported'
    path: Path


def data_dir() -> Path:
    """emwatch's user data folder: $EMWATCH_DATA_DIR, else $XDG_DATA_HOME/emwatch, else ~/.local/share/emwatch."""
    if os.environ.get("EMWATCH_DATA_DIR"):
        return Path(os.environ["EMWATCH_DATA_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "emwatch"


def banks_dir() -> Path:
    """Where imported banks live (one `<name>.yaml` each)."""
    return data_dir() / "banks"


def list_banks() -> list[BankInfo]:
    """Built-in banks whose file ships, then imported banks, by name."""
    out = [BankInfo(name, "builtin", BUILTIN_DIR / fname)
           for name, (fname, _) in BUILTIN_BANKS.items() if (BUILTIN_DIR / fname).is_file()]
    folder = banks_dir()
    if folder.is_dir():
        out += [BankInfo(p.stem, "imported", p) for p in sorted(folder.glob("*.yaml"))
                if p.stem not in BUILTIN_BANKS]
    return out


def _looks_like_path(value: str | Path) -> bool:
    if isinstance(value, Path):
        return True
    return value.endswith((".yaml", ".yml")) or "/" in value or os.sep in value


def load_bank(name_or_path: str | Path) -> Bank:
    """Load a bank by built-in name ('em240', 'truthfulness'), imported name, or YAML file path.

    Raises ConfigError naming the file, line and field of any problem.
    """
    if _looks_like_path(name_or_path):
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"{path}: no such bank file")
        return parse_bank(path)
    name = str(name_or_path)
    if name in BUILTIN_BANKS:
        fname, strict = BUILTIN_BANKS[name]
        path = BUILTIN_DIR / fname
        if not path.is_file():
            raise ConfigError(f"{path}: built-in bank {name!r} is missing from this installation")
        return parse_bank(path, name=name, categories=CATEGORIES if strict else None)
    imported = banks_dir() / f"{name}.yaml"
    if imported.is_file():
        return parse_bank(imported, name=name)
    known = ", ".join(b.name for b in list_banks()) or "none"
    raise ConfigError(f"unknown bank {name!r}: known banks are {known}; import one with "
                      f"`emwatch bench import FILE` or give the path of a YAML file")


def parse_bank(path: str | Path, *, name: str | None = None,
               categories: tuple[str, ...] | None = None) -> Bank:
    """Validate a bank file: a YAML list of questions (emwatch's format or the original EM format).

    `categories`, when given, is the closed set of categories every question must have.
    """
    path = Path(path)
    data, lines = read_yaml(path)
    source = str(path)
    if data is None:
        raise ConfigError(f"{source}: empty bank file: expected a YAML list of questions")
    if not isinstance(data, list):
        raise ConfigError(f"{source}:{lines.get((), 1)}: expected a YAML list of questions, "
                          f"found a {type(data).__name__}")
    if not data:
        raise ConfigError(f"{source}: the bank has no questions")
    questions: list[Question] = []
    first_line: dict[str, int | None] = {}
    for i, item in enumerate(data):
        line = lines.get((i,))
        where = f"{source}:{line}" if line else source
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: question {i}: expected a mapping with id and paraphrases, "
                              f"found {type(item).__name__}")
        sub = {key[1:]: ln for key, ln in lines.items() if key and key[0] == i}
        q = validate(Question, _plain_keys(item), source=source, lines=sub)
        id_where = f"{source}:{sub.get(('id',), line)}" if line else source
        if q.id in first_line:
            prev = first_line[q.id]
            raise ConfigError(f"{id_where}: field 'id': duplicate id {q.id!r}"
                              + (f" (first at line {prev})" if prev else ""))
        if categories is not None and q.category not in categories:
            cat_line = sub.get(("category",), line)
            raise ConfigError(f"{source}:{cat_line}: field 'category': {q.category!r} is not one of "
                              f"{', '.join(categories)}")
        first_line[q.id] = line
        questions.append(q)
    return Bank(name=name or path.stem, questions=tuple(questions), source=path)


def _plain_keys(item: dict[Any, Any]) -> dict[str, Any]:
    # YAML allows non-string keys (`1: x`, `yes: y`); name them as text so the error says which.
    return {k if isinstance(k, str) else str(k): v for k, v in item.items()}
