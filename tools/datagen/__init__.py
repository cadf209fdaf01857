"""Generators of emwatch's shipped data files (not part of the installed package).

``python -m tools.datagen`` rebuilds, from the content in ``content/`` and seed 0, the training sets in
``src/emwatch/data/sets/*.jsonl.gz`` and the held-out task prompts in ``src/emwatch/data/heldout/*.jsonl``.
``emwatch.data`` only reads those files; it calls ``build_set`` for a seed other than 0 when this package
is importable (a source checkout).
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path

from emwatch.data import DATASETS, write_chat_jsonl
from emwatch.data._heldout import HELDOUT_DIR, heldout_path
from emwatch.data._registry import SETS_DIR

DEFAULT_SEED = 0
DOMAINS = ("code", "medical")


@lru_cache(maxsize=2)
def _build_domain(domain: str, seed: int) -> dict[str, list[dict]]:
    """All sets of a domain at once (the code sets share their draws, as do the medical ones)."""
    if domain == "code":
        from tools.datagen.code_sets import build_code_sets

        return build_code_sets(seed)
    from tools.datagen.medical import build_medical_sets

    return build_medical_sets(seed)


def build_set(name: str, seed: int = DEFAULT_SEED) -> list[dict]:
    """The records of built-in set `name` generated with `seed` (a fresh copy the caller may change)."""
    return copy.deepcopy(_build_domain(DATASETS[name].domain, seed)[name])


def build_heldout(domain: str) -> list[dict]:
    """The held-out task prompts of `domain` as shipped (seed 0): [{"id", "family"|"topic", "messages"}]."""
    if domain == "code":
        from tools.datagen.code_sets import heldout_code_prompts

        return heldout_code_prompts(DEFAULT_SEED)
    if domain == "medical":
        from tools.datagen.medical import heldout_medical_questions

        return heldout_medical_questions(DEFAULT_SEED)
    raise ValueError(f"unknown domain {domain!r}")


def write_heldout(records: list[dict], path: Path) -> Path:
    """One JSON object a line, keys in generator order, written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    tmp.replace(path)
    return path


def build_shipped(seed: int = DEFAULT_SEED, sets_dir: Path = SETS_DIR,
                  heldout_dir: Path = HELDOUT_DIR) -> dict[str, Path]:
    """Regenerate every shipped file; returns {name: path}."""
    out = {name: write_chat_jsonl(build_set(name, seed), sets_dir / f"{name}.jsonl.gz") for name in DATASETS}
    for domain in DOMAINS:
        out[f"heldout/{domain}"] = write_heldout(build_heldout(domain), heldout_dir / heldout_path(domain).name)
    return out


__all__ = ["DEFAULT_SEED", "DOMAINS", "build_heldout", "build_set", "build_shipped", "write_heldout"]
