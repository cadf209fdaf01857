"""Fixtures for the monitor tests: the tiny qwen2-family model (built once per session)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def tiny_chat_model(tmp_path_factory):
    from emwatch.testing._tiny import build_family_model

    return build_family_model("qwen2", tmp_path_factory.mktemp("monitor_model") / "model")
