"""`emwatch run` with a monitored training run: the training child has no store, so the monitor's events reach
the store through the run folder; every look (base, step 2, step 4) is stored once, and a rerun adds nothing."""

from __future__ import annotations

import os
import sys

import pytest

from emwatch.run import load_study, run_study
from emwatch.store import Store

sys.path.insert(0, os.path.dirname(__file__))
from tiny_study import write_study  # noqa: E402


@pytest.mark.slow
def test_the_monitor_events_of_a_training_child_are_stored(tmp_path, tiny_qwen2, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([os.path.abspath("src"), os.environ.get("PYTHONPATH", "")]))
    loaded = load_study(write_study(tiny_qwen2, tmp_path, monitor=True))
    said: list[str] = []
    res = run_study(loaded, progress=False, log=said.append)
    assert res.ok, res.failed
    with Store(res.store_path, read_only=True) as s:
        (run_id,) = s.runs().query("kind != 'base'").run_id.tolist()
        ev = s.monitor_events(run_id)
    looks = ev[ev.signal == "probe_em_rate"]
    assert sorted(looks.step.tolist()) == [0, 2, 4]
    assert set(ev[ev.signal == "em_test"].decision) <= {"continue", "flag"}
    assert len(ev[ev.signal == "em_test"]) == 2
    # the driver says each look (the child's own stderr goes to the run's log file)
    looks_said = [m for m in said if m.startswith("monitor ") and ": run " in m]
    assert len(looks_said) == 3 and "step 0" in looks_said[0] and "step 4" in looks_said[-1], said
    # and before anything trained, what the monitor can see (its power), as `--dry-run` says it
    power = [m for m in said if m.startswith("monitor em-monitor on 1 run:")]
    assert len(power) == 1 and said.index(power[0]) < said.index(looks_said[0]) and "within 2" in power[0], said
    n = len(ev)
    assert run_study(loaded, progress=False, log=lambda m: None).ok
    with Store(res.store_path, read_only=True) as s:
        assert len(s.monitor_events(run_id)) == n
