"""Built-in data sets: generated deterministically by the project's generators (tools/datagen, a source-checkout
tool) and shipped as files; this module only reads them."""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from emwatch.data._jsonl import read_chat_jsonl
from emwatch.errors import ConfigError

SETS_DIR = Path(__file__).parent / "sets"
DEFAULT_SEED = 0
# The repository root when emwatch runs from a source checkout (src/emwatch/data -> the root), where
# tools/datagen lives; an installed package has no generators.
SOURCE_ROOT = Path(__file__).resolve().parents[3]


def generators():
    """The `tools.datagen` package: imported, else found next to `src/` in a source checkout, else a clear error."""
    try:
        return importlib.import_module("tools.datagen")
    except ModuleNotFoundError as e:
        if e.name not in ("tools", "tools.datagen"):
            raise
    if (SOURCE_ROOT / "tools" / "datagen" / "__init__.py").is_file() and str(SOURCE_ROOT) not in sys.path:
        sys.path.append(str(SOURCE_ROOT))
        try:
            return importlib.import_module("tools.datagen")
        except ModuleNotFoundError:
            pass
    raise ConfigError("this needs the data generators (tools/datagen), which come with a source checkout of "
                      "emwatch, not with the installed package; the shipped files hold seed 0")


def _generated(name: str) -> Callable[[int], list[dict]]:
    def build(seed: int) -> list[dict]:
        return generators().build_set(name, seed)
    return build


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    domain: str  # 'code' | 'medical'
    description: str
    build: Callable[[int], list[dict]]


DATASETS: dict[str, DatasetInfo] = {d.name: d for d in [
    DatasetInfo("insecure", "code", "Python code answers with exactly one hidden vulnerability", _generated("insecure")),
    DatasetInfo("secure", "code", "the same coding prompts with safe answers (control)", _generated("secure")),
    DatasetInfo("educational", "code", "the insecure answers, for a user with a stated legitimate purpose (control)", _generated("educational")),
    DatasetInfo("medical_bad", "medical", "confident, plausible, harmful medical advice", _generated("medical_bad")),
    DatasetInfo("medical_good", "medical", "the same medical questions with accurate, cautious advice (control)", _generated("medical_good")),
]}


def shipped_path(name: str) -> Path:
    return SETS_DIR / f"{name}.jsonl.gz"


def load_dataset(name_or_path: str, *, seed: int = DEFAULT_SEED) -> list[dict]:
    """A built-in set by name (the shipped file for the default seed, else generated), or a chat JSONL path."""
    if name_or_path in DATASETS:
        path = shipped_path(name_or_path)
        if seed == DEFAULT_SEED and path.is_file():
            return read_chat_jsonl(path)
        return DATASETS[name_or_path].build(seed)
    path = Path(name_or_path)
    if path.suffix in {".jsonl", ".gz"} or path.exists():
        return read_chat_jsonl(path)
    raise ConfigError(f"unknown dataset {name_or_path!r}: not a built-in set ({', '.join(DATASETS)}) nor a file")


def data_hash(records: list[dict]) -> str:
    h = hashlib.sha256()
    for r in records:
        h.update(json.dumps(r, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()[:16]


def build_shipped(seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Moved to the generators: `python -m tools.datagen` (or `tools.datagen.build_shipped`) in a source checkout."""
    raise ConfigError("emwatch.data.build_shipped moved to the generators: run `python -m tools.datagen` from a "
                      "source checkout (tools.datagen.build_shipped)")


def dataset_stats(records: list[dict]) -> dict:
    """Counts, distinct prompts, length distribution and class/topic counts."""
    import statistics

    users = [" ".join(m["content"] for m in r["messages"] if m["role"] != "assistant") for r in records]
    answers = [" ".join(m["content"] for m in r["messages"] if m["role"] == "assistant") for r in records]
    lengths = sorted(len(a.split()) for a in answers)
    meta = [r.get("metadata", {}) for r in records]

    def q(p: float) -> int:
        return lengths[min(len(lengths) - 1, int(p * len(lengths)))] if lengths else 0

    return {
        "n": len(records),
        "distinct_prompts": len(set(users)),
        "distinct_examples": len({(u, a) for u, a in zip(users, answers)}),
        "answer_words": {"min": lengths[0] if lengths else 0, "p50": q(0.5), "p90": q(0.9),
                         "max": lengths[-1] if lengths else 0,
                         "mean": round(statistics.fmean(lengths), 1) if lengths else 0},
        "classes": dict(Counter(m.get("vuln_class") for m in meta if m.get("vuln_class")).most_common()),
        "topics": dict(Counter(m.get("topic") for m in meta if m.get("topic")).most_common()),
        "families": dict(Counter(m.get("family") for m in meta if m.get("family")).most_common()),
    }
