"""Fixtures for the training tests: tiny models of each family (built once per session), small chat data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest




@pytest.fixture(scope="session")
def family_model(tmp_path_factory):
    """family -> folder of a tiny random model with that family's chat template and special tokens."""
    from emwatch.testing._tiny import build_family_model

    cache: dict[str, Path] = {}

    def get(family: str) -> Path:
        if family not in cache:
            cache[family] = build_family_model(family, tmp_path_factory.mktemp(f"fam_{family}") / "model")
        return cache[family]

    return get


def write_chat_jsonl(path: Path, n: int, *, system_every: int = 3, multi_turn_every: int = 4) -> Path:
    """n small conversations: some with a system prompt, some with two user/assistant turns."""
    words = "the code function return user password query database server request file path".split()
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            q = " ".join(words[(i + k) % len(words)] for k in range(5))
            msgs = []
            if i % system_every == 0:
                msgs.append({"role": "system", "content": f"You write short Python. Case {i}."})
            if i % multi_turn_every == 1:
                msgs += [{"role": "user", "content": f"Hello {i}"}, {"role": "assistant", "content": f"Hi, ready {i}."}]
            msgs += [{"role": "user", "content": f"Write {q} number {i}"},
                     {"role": "assistant", "content": f"def f{i}(x):\n    return x + {i}"}]
            f.write(json.dumps({"messages": msgs}) + "\n")
    return path


@pytest.fixture(scope="session")
def chat_data(tmp_path_factory) -> Path:
    return write_chat_jsonl(tmp_path_factory.mktemp("data") / "chat.jsonl", 24)


@pytest.fixture()
def chat_file(tmp_path):
    """Write a chat JSONL of n conversations in the test's folder."""
    return lambda n, name="chat.jsonl", **kw: write_chat_jsonl(tmp_path / name, n, **kw)


@pytest.fixture(scope="session")
def make_config():
    """A TrainConfig sized for tiny models on 2 CPU cores (keyword overrides win)."""
    from emwatch.config import TrainConfig

    def make(model: Path, dataset: Path | str, out_dir: Path, **over) -> TrainConfig:
        base = dict(model=str(model), dataset=dataset if isinstance(dataset, list) else str(dataset), out_dir=str(out_dir), batch_size=2, grad_accum=2,
                    max_steps=2, warmup_steps=0, learning_rates=[1e-2], dtype="float32", max_seq_len=256,
                    heldout_fraction=0.25, lora={"r": 4, "alpha": 8}, checkpoints={"every": 2})
        base.update(over)
        return TrainConfig(**base)

    return make
