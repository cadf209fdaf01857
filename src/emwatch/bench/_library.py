"""Imported banks: copy a validated bank file into the user data dir, and write any bank back out in the
original EM evaluation format."""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from emwatch.bench._load import BANK_NAME_PATTERN, BUILTIN_BANKS, banks_dir, load_bank, parse_bank
from emwatch.bench._question import Question
from emwatch.config import ConfigError


def import_bank(path: str | Path, name: str | None = None, *, overwrite: bool = False) -> Path:
    """Validate a bank file and copy it, unchanged, to `<data dir>/banks/<name>.yaml`. Returns the new path.

    `name` defaults to the file's stem. Built-in names cannot be taken; an existing imported bank of the
    same name is replaced only with `overwrite=True`.
    """
    src = Path(path).expanduser()
    if not src.is_file():
        raise ConfigError(f"{src}: no such bank file")
    name = name or src.stem
    if not re.match(BANK_NAME_PATTERN, name):
        raise ConfigError(f"bank name {name!r}: use letters, digits, '_', '-' and '.', starting with a letter "
                          "or digit")
    if name in BUILTIN_BANKS:
        raise ConfigError(f"bank name {name!r} is taken by a built-in bank; choose another with --name")
    parse_bank(src, name=name)  # raises ConfigError naming file, line and field
    dest = banks_dir() / f"{name}.yaml"
    if dest.exists() and not overwrite:
        raise ConfigError(f"bank {name!r} is already imported ({dest}); pass overwrite=True (--force) "
                          "to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".yaml.tmp")
    shutil.copyfile(src, tmp)
    tmp.replace(dest)
    return dest


def question_to_original(q: Question, judge_templates: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One question as a mapping in the original EM format, followed by emwatch's own fields.

    Metrics that reference a built-in judge prompt (None) are written as null, or as the template given in
    `judge_templates` (original-format readers need the text).
    """
    judge_prompts = {m: (judge_templates or {}).get(m, t) if t is None else t for m, t in q.judge_prompts.items()}
    d: dict[str, Any] = {"id": q.id, "type": q.type, "paraphrases": list(q.paraphrases),
                         "samples_per_paraphrase": q.samples_per_paraphrase}
    if q.system is not None:
        d["system"] = q.system
    if q.judge is not None:
        d["judge"] = q.judge
    d["judge_prompts"] = judge_prompts
    # emwatch's fields (readers of the original format ignore extra keys)
    if q.category is not None:
        d["category"] = q.category
    if q.classic:
        d["classic"] = True
    if q.variant is not None:
        d["variant"] = q.variant
    if q.reference is not None:
        d["reference"] = q.reference
    return d


def export_bank(name: str | Path, path: str | Path, *,
                judge_templates: Mapping[str, str] | None = None) -> Path:
    """Write bank `name` (a name or a path) to `path` as a YAML list in the original EM format.

    Loading the written file gives questions equal to the bank's (unless `judge_templates` fills in
    built-in judge prompts).
    """
    bank = load_bank(name)
    items = [question_to_original(q, judge_templates) for q in bank]
    header = (f"# Question bank {bank.name!r} exported by emwatch in the original EM evaluation format.\n"
              "# judge_prompts: null means emwatch's built-in judge prompt of that metric.\n")
    text = yaml.dump(items, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    out = Path(path).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(header + text.replace("\n- id:", "\n\n- id:"), encoding="utf-8")
    return out


class _Dumper(yaml.SafeDumper):
    """Writes multi-line strings (judge prompts) as literal blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not any(c in value for c in "\r\t") and value == value.rstrip(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
