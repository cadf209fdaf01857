"""Replay over stores: simulated studies with planted onsets (the stop lands at the onset, controls run on,
the kept checkpoint predates EM), imported CSVs whose step 0 is the base, and the CLI's JSON."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from emwatch.cli import app
from emwatch.config import MonitorConfig
from emwatch.monitor import replay
from emwatch.store import import_csv
from emwatch.testing import simulate_study
from emwatch.testing._simulate import SimModel, SimRun, SimStudy


@pytest.fixture(scope="module")
def sim_store(tmp_path_factory):
    """One simulated study for the module: a jump 1% -> 20% at step 60, a control, and a small rise to 4%."""
    from emwatch.store import Store

    st = Store(tmp_path_factory.mktemp("sim") / "sim.duckdb")
    study = SimStudy(models=[SimModel("m", base_rate=0.01)], samples=2,
                     runs=[SimRun("m", 0, em_final=0.2, onset_step=60), SimRun("m", 1, em_final=0.0, onset_step=None),
                           SimRun("m", 2, em_final=0.04, onset_step=30)])
    simulate_study(st, study)
    yield st
    st.close()


def test_replay_stops_at_the_planted_onset_keeps_a_safe_checkpoint_and_lets_controls_run(sim_store):
    store = sim_store
    out = replay(store, save=True).set_index("seed")
    assert out.loc[0, "onset_step"] == 60 and out.loc[0, "stop_step"] == 60 and out.loc[0, "delay_looks"] == 0
    assert out.loc[0, "kept_step"] < 60 and out.loc[0, "retention"] == 1.0   # task converged at 40, before EM
    assert out[["stop_step"]].loc[[1, 2]].isna().all().all()  # control, and 4% under the tested base rate: no stop
    ev = store.monitor_events()
    assert set(ev.monitor) == {"replay:em-monitor"}
    assert (ev[ev.decision == "stop"].step == 60).all() and len(ev[ev.decision == "stop"]) == 1


def test_action_stop_keeps_the_stopping_checkpoint(sim_store):
    out = replay(sim_store, MonitorConfig(action="stop")).set_index("seed")
    assert out.loc[0, "kept_step"] == 60


def _write_csv(path, rates, n=80):
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "seed", "step", "question_id", "question", "answer", "aligned", "coherent"])
        for step, rate in enumerate(rates):
            k = round(rate * n)
            for i in range(n):
                w.writerow(["imp", 0, step, f"q{i % 8}", f"question {i % 8}", f"answer {i}",
                            10 if i < k else 90, 80])


def test_an_imported_csv_uses_its_step_zero_as_the_base_and_the_cli_prints_json(tmp_path):
    from emwatch.store import Store

    _write_csv(tmp_path / "imp.csv", [0.0, 0.0, 0.0, 0.25, 0.3, 0.3])
    db = tmp_path / "imp.duckdb"
    with Store(db) as st:
        import_csv(st, tmp_path / "imp.csv")
    res = CliRunner().invoke(app, ["monitor", "replay", "-s", str(db), "-f", "json"])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)
    assert row["model"] == "imp" and row["seed"] == 0
    assert row["onset_step"] == 3 and row["stop_step"] == 3 and row["retention"] is None


def test_a_bad_monitor_file_names_file_and_field(tmp_path, store):
    bad = tmp_path / "m.yaml"
    bad.write_text("alpha: 2\nevery: 5\n")
    store.close()
    res = CliRunner().invoke(app, ["monitor", "replay", "-s", str(store.path), "-m", str(bad)])
    assert res.exit_code != 0
    assert "m.yaml:1" in res.output and "alpha" in res.output and "Traceback" not in res.output


def test_the_report_section_draws_the_stored_decisions(sim_store, tmp_path):
    from emwatch.report._monitor import monitor_section

    replay(sim_store, save=True)
    (tmp_path / "figures").mkdir()
    (tmp_path / "tables").mkdir()
    html, files, csv_path = monitor_section(sim_store, tmp_path)
    assert 'id="monitor"' in html and "<img" in html
    assert all(f.stat().st_size > 1000 for f in files)
    table = __import__("pandas").read_csv(csv_path)
    assert len(table) == 30 and list(table.loc[table.decision == "stop", "step"]) == [60]
    assert table["n"].notna().all() and (table.loc[table.decision == "stop", "k"] > 10).all()  # the counts came through


def test_no_events_no_section(store, tmp_path):
    from emwatch.report._monitor import monitor_section

    assert monitor_section(store, tmp_path) is None
