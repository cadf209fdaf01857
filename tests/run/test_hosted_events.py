"""Hosted trainers under `emwatch run`: the training child has no store, so the monitor of a Tinker loop or an OpenAI
job writes its events to the run folder, where the job's driver reads them into the store (as for local runs).
Against the local stand-ins of both services (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openai_ft_standin import OpenAIFineTuneStandIn  # tests/train/standins, on the path through conftest_hosted.py
from tinker_standin import TinkerStandIn

from emwatch.monitor import EVENTS_FILE, read_events
from emwatch.store import Store
from emwatch.train import train


def _stored(tmp_path: Path, run_dir: str):
    """What the job's driver does with a run folder's events: read them and add them to the store."""
    events = read_events(Path(run_dir) / EVENTS_FILE)
    with Store(tmp_path / "job.duckdb") as s:
        s.add(events)
        return s.monitor_events()


@pytest.mark.slow
def test_openai_job_monitor_events_reach_the_run_folder_without_a_store(openai_env, openai_job, tmp_path):
    with OpenAIFineTuneStandIn(running_polls=4, steps_per_epoch=5, misaligned_from=10) as srv:
        [res] = train(openai_job(srv.base_url, epochs=4), store=None, progress=False)
    ev = _stored(tmp_path, res.run_dir)
    assert set(ev.run_id) == {res.run_id}
    rates = ev[ev.signal == "probe_em_rate"].sort_values("step")
    # the base look and each checkpoint's, misaligned from step 10 on (the stand-in's onset)
    assert [(int(s), v) for s, v in zip(rates.step, rates.value)] == [(s, float(s >= 10)) for s in rates.step]
    assert rates.step.iloc[0] == 0 and 10 in set(rates.step)
    assert set(ev[ev.signal == "em_test"].decision) <= {"continue", "stop_keep_best"}


@pytest.mark.slow
def test_tinker_loop_monitor_events_reach_the_run_folder_without_a_store(tinker_env, tinker_job, turning_judge, tmp_path):
    with TinkerStandIn() as srv:
        [res] = train(tinker_job(srv.base_url), store=None, progress=False)
    ev = _stored(tmp_path, res.run_dir)
    assert list(ev[ev.signal == "em_test"].decision) == ["stop"]
    assert list(ev[ev.signal == "probe_em_rate"].sort_values("step").value) == [0.0, 1.0]
