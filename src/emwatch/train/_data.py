"""Training data: load chat records, split off the held-out set, hash, tokenise with assistant-only labels."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from emwatch.config import ConfigError
from emwatch.train._masking import IGNORE, TemplateError, encode_chat


def load_records(dataset: str) -> list[dict]:
    """Chat records of a built-in dataset name or a chat JSONL path (validated by the data stage)."""
    from emwatch.data import load_dataset

    records = load_dataset(dataset)
    if not records:
        raise ConfigError(f"dataset {dataset!r} is empty")
    return records


def _looks_like_path(dataset: str) -> bool:
    return "/" in dataset or "\\" in dataset or dataset.endswith((".jsonl", ".jsonl.gz", ".json"))


def split_heldout(n: int, fraction: float) -> tuple[list[int], list[int]]:
    """(train indices, held-out indices): a fixed shuffle (the same for every seed and learning rate)."""
    idx = list(range(n))
    random.Random(0).shuffle(idx)
    n_held = int(round(n * fraction))
    if fraction > 0 and n >= 2:
        n_held = min(max(n_held, 1), n - 1)
    return sorted(idx[n_held:]), sorted(idx[:n_held])


def dataset_slug(dataset: str) -> str:
    """A short name for folder names: the built-in name, or the file's stem."""
    name = Path(dataset).name if _looks_like_path(dataset) else dataset
    for suffix in (".gz", ".jsonl", ".json"):
        name = name.removesuffix(suffix)
    return slug(name)


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


@dataclass
class Prepared:
    """The tokenised data of one run."""

    train: list[dict]  # {"input_ids", "labels"}
    heldout: list[dict]
    data_hash: str
    n_records: int
    n_dropped: int  # examples with no assistant token left after truncation


def prepare(records: Sequence[dict], tokenizer, *, max_seq_len: int, heldout_fraction: float,
            source: str) -> Prepared:
    """Split and tokenise; examples left without assistant tokens by truncation are dropped and counted."""
    train_idx, held_idx = split_heldout(len(records), heldout_fraction)
    dropped = 0

    def encode(indices: list[int]) -> list[dict]:
        nonlocal dropped
        out = []
        for i in indices:
            try:
                e = encode_chat(tokenizer, records[i]["messages"], max_len=max_seq_len)
            except TemplateError as err:
                raise ConfigError(f"{source}: record {i + 1}: {err}") from None
            if not any(x != IGNORE for x in e.labels):
                dropped += 1
                continue
            out.append({"input_ids": e.input_ids, "labels": e.labels})
        return out

    train, held = encode(train_idx), encode(held_idx)
    if not train:
        raise ConfigError(f"{source}: no training example keeps an assistant token within max_seq_len={max_seq_len}")
    from emwatch.data import data_hash

    return Prepared(train, held, data_hash(list(records)), len(records), dropped)
