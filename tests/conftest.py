"""Shared fixtures: tiny random chat models built in the test session, fresh stores."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["conftest_servers", "conftest_hosted"]  # loopback vLLM server; hosted-trainer stand-ins

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def pytest_configure(config):
    # Tiny models run fastest on one thread; several threads only contend on 2-core CI machines.
    import torch

    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def tiny_qwen2(tmp_path_factory):
    """A tiny random Qwen2 chat model (ChatML template; numbers written digit by digit)."""
    from emwatch.testing import build_tiny_model

    return build_tiny_model("qwen2", tmp_path_factory.mktemp("tiny_qwen2"))


@pytest.fixture()
def store(tmp_path):
    from emwatch.store import Store

    with Store(tmp_path / "t.duckdb") as s:
        yield s
