"""Sampling and judging through a proxy that injects every kind of fault in front of the real vLLM server:
each answer and judgment ends stored exactly once (or missing with the judge's own reason), none is lost or
stored as an error, and Retry-After is honoured. The big run (2,000+ judgments) is scripts/fault_run.py."""

from __future__ import annotations

import pytest
from conftest_servers import CHAOS_KINDS, Served
from reliability.fault_study import fault_study


@pytest.mark.server
def test_nothing_lost_or_duplicated_through_faults(vllm_server: Served, fault_proxy, monkeypatch, tmp_path):
    monkeypatch.setenv(vllm_server.key_env, vllm_server.api_key)
    fig = fault_study(tmp_path / "s.duckdb", fault_proxy, model=vllm_server.name, key_env=vllm_server.key_env,
                      tokenizer=str(vllm_server.model_dir), rate=0.25, seed=3, per_category=2, samples=2,
                      timeout_s=6.0)  # each injected timeout idles its chunk this long (scripts/fault_run.py: 15 s)
    print(fig.as_dict())
    assert fig.generations_planned == 32 and fig.judgments_planned == 64
    assert fig.lost == 0
    assert fig.generation_duplicates == 0 and fig.judgment_duplicates == 0
    assert fig.judgments_stored_as_error == 0          # a failed request is never stored as an answer
    assert set(fig.injected) == set(CHAOS_KINDS)       # every kind of fault was met
    assert fig.retry_after_gaps > 0 and fig.retry_after_min_gap_s >= 0.99
    assert sum(fig.injected.values()) >= 0.15 * fig.http_posts
