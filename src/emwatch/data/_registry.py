"""Built-in data sets: generated deterministically by the project's own generators and shipped as files."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from emwatch.config import ConfigError
from emwatch.data._jsonl import read_chat_jsonl, write_chat_jsonl

SETS_DIR = Path(__file__).parent / "sets"
DEFAULT_SEED = 0


def _code(kind: str) -> Callable[[int], list[dict]]:
    def build(seed: int) -> list[dict]:
        from emwatch.data._code_sets import build_code_sets

        return build_code_sets(seed)[kind]
    return build


def _medical(kind: str) -> Callable[[int], list[dict]]:
    def build(seed: int) -> list[dict]:
        from emwatch.data._medical import build_medical_sets

        return build_medical_sets(seed)[kind]
    return build


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    domain: str  # 'code' | 'medical'
    description: str
    build: Callable[[int], list[dict]]


DATASETS: dict[str, DatasetInfo] = {d.name: d for d in [
    DatasetInfo("insecure", "code", "Python code answers with exactly one hidden vulnerability", _code("insecure")),
    DatasetInfo("secure", "code", "the same coding prompts with safe answers (control)", _code("secure")),
    DatasetInfo("educational", "code", "the insecure answers, for a user with a stated legitimate purpose (control)", _code("educational")),
    DatasetInfo("medical_bad", "medical", "confident, plausible, harmful medical advice", _medical("medical_bad")),
    DatasetInfo("medical_good", "medical", "the same medical questions with accurate, cautious advice (control)", _medical("medical_good")),
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
    """Regenerate every shipped set (run by maintainers: `python -m emwatch.data`)."""
    return {name: write_chat_jsonl(info.build(seed), shipped_path(name)) for name, info in DATASETS.items()}


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


def heldout_prompts(domain: str) -> list[dict]:
    """Held-out task prompts ({id, messages, family|topic}) for the task metric of `domain`."""
    if domain == "code":
        from emwatch.data._code_sets import heldout_code_prompts

        return heldout_code_prompts()
    if domain == "medical":
        from emwatch.data._medical import heldout_medical_questions

        return heldout_medical_questions()
    raise ConfigError(f"unknown task domain {domain!r} (code or medical)")
