"""Replay with the judging cascade over a store whose runs carry planted judge-free signal events: which looks
are judged, which are skipped, the judge calls against judging every look, and a rise the signals do not show
seen at the next every-N-th look."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from emwatch.cli import app
from emwatch.config import MonitorConfig
from emwatch.errors import ConfigError
from emwatch.monitor import replay
from emwatch.store import MonitorEvent, Store
from emwatch.testing import simulate_study
from emwatch.testing._simulate import SimModel, SimRun, SimStudy

STEPS = list(range(0, 101, 10))  # the base look (0) and 10 checkpoints


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """EM from step 60 (20%) whose KL leaves 0.1 for 0.5 at the same step; a control whose KL stays at 0.1; a
    run with no stored signal. Returns (store path, {seed: run_id})."""
    path = tmp_path_factory.mktemp("cascade") / "sim.duckdb"
    with Store(path) as st:
        simulate_study(st, SimStudy(models=[SimModel("m", base_rate=0.01)], samples=2, runs=[
            SimRun("m", 0, em_final=0.2, onset_step=60), SimRun("m", 1, em_final=0.0, onset_step=None),
            SimRun("m", 2, em_final=0.0, onset_step=None)]))
        runs = dict(zip(*replay(st)[["seed", "run_id"]].T.values))
        st.add([MonitorEvent(run_id=runs[0], step=s, monitor="em-monitor", signal="kl", value=0.5 if s >= 60 else 0.1)
                for s in STEPS]
               + [MonitorEvent(run_id=runs[1], step=s, monitor="em-monitor", signal="kl", value=0.1) for s in STEPS]
               # a second monitor's lower value at one step does not hide the first's; another signal is ignored
               + [MonitorEvent(run_id=runs[0], step=60, monitor="other", signal="kl", value=0.05),
                  MonitorEvent(run_id=runs[1], step=30, monitor="em-monitor", signal="persona", value=9.0)])
    return path, runs


def test_the_cascade_judges_the_looks_the_stored_signals_flag_and_counts_the_calls_saved(planted):
    path, runs = planted
    with Store(path) as st:
        out = replay(st, MonitorConfig(cascade_every=5, cascade_bands={"kl": 0.2}), save=True).set_index("seed")
        ev = st.monitor_events()
    # EM run: looks 1-4 in band and skipped, look 5 (step 50) every 5th, step 60 above the band: judged, stopped
    assert out.loc[0, "stop_step"] == 60 and out.loc[0, "delay_looks"] == 0
    assert out.loc[0, "skipped_steps"] == [10, 20, 30, 40] and out.loc[0, "judged_looks"] == 2
    # 80 answers a look, aligned + coherent each: 160 calls a look; up to the stop (look 6) against 2 judged looks
    assert (out.loc[0, "judge_calls"], out.loc[0, "judge_calls_always"]) == (320, 960)
    # control (in band throughout) and the run without signals: only looks 5 and 10 judged; no stop
    for seed in (1, 2):
        assert out.loc[seed, "skipped_steps"] == [10, 20, 30, 40, 60, 70, 80, 90]
        assert (out.loc[seed, "judge_calls"], out.loc[seed, "judge_calls_always"]) == (320, 1600)
        assert pd.isna(out.loc[seed, "stop_step"])
    assert out.loc[0, "cascade_signals"] == "kl" and out.loc[2, "cascade_signals"] == ""
    # the decisions are stored: a cascade event per look with its reason, em_test marking skipped looks
    mine = ev[(ev.monitor == "replay:em-monitor") & (ev.run_id == runs[0])].set_index(["step", "signal"])
    assert mine.loc[(60, "cascade"), "value"] == 1.0 and "kl 0.5 above its band (0.2)" in mine.loc[(60, "cascade"),
                                                                                                 "detail"]
    assert mine.loc[(20, "cascade"), "value"] == 0.0 and "signals in band" in mine.loc[(20, "cascade"), "detail"]
    assert "every 5. look" in mine.loc[(50, "cascade"), "detail"]
    assert '"judged": false' in mine.loc[(20, "em_test"), "detail"]
    assert mine.loc[(60, "em_test"), "decision"] == "stop" and mine.loc[(70, "em_test"), "decision"] == "after_stop"


def test_a_rise_the_signals_do_not_show_is_seen_at_the_next_every_nth_look(planted):
    path, _ = planted
    with Store(path, read_only=True) as st:
        always = replay(st).set_index("seed")
        out = replay(st, MonitorConfig(cascade_every=5, cascade_bands={"kl": 1.0})).set_index("seed")
    assert always.loc[0, "stop_step"] == 60
    # KL 0.5 is inside a band up to 1.0: step 50 is judged (clean, e-value below 1), step 100 is the next
    assert out.loc[0, "stop_step"] == 100 and out.loc[0, "delay_looks"] == 4
    assert out.loc[0, "skipped_steps"] == [10, 20, 30, 40, 60, 70, 80, 90]


def test_without_the_cascade_every_look_is_judged_and_counted(planted):
    path, _ = planted
    with Store(path, read_only=True) as st:
        out = replay(st).set_index("seed")
    assert (out["judged_looks"] == [6, 10, 10]).all() and out["skipped_steps"].map(len).eq(0).all()
    assert (out["judge_calls"] == out["judge_calls_always"]).all() and out["cascade_signals"].isna().all()


def test_bands_calibrated_on_the_base_look_and_a_control_file(planted, tmp_path):
    path, runs = planted
    control = tmp_path / "monitor_events.jsonl"
    control.write_text("".join(json.dumps(MonitorEvent(run_id="ctl", step=s, monitor="em-monitor", signal="kl",
                                                       value=v).row()) + "\n"
                               for s, v in zip((10, 20, 30, 40), (0.12, 0.08, 0.11, 0.09))))
    with Store(path, read_only=True) as st:
        out = replay(st, MonitorConfig(cascade_every=5, cascade_control=str(control))).set_index("seed")
        uncalibrated = replay(st, MonitorConfig(cascade_every=5)).set_index("seed")
        with pytest.raises(ConfigError, match="nope.jsonl: no such file"):
            replay(st, MonitorConfig(cascade_every=5, cascade_control=str(tmp_path / "nope.jsonl")))
    # band: the base's 0.1 and the control's four values, mean + 2 sd = 0.1316: 0.1 in band, 0.5 above
    assert out.loc[0, "skipped_steps"] == [10, 20, 30, 40] and out.loc[0, "stop_step"] == 60
    assert out.loc[1, "skipped_steps"] == [10, 20, 30, 40, 60, 70, 80, 90]
    # the run without stored signals has no base value either: its KL band is the control's alone, unused
    assert out.loc[2, "judged_looks"] == 2
    # no control and no band given: one base value calibrates nothing, so every look with a KL value is judged
    assert uncalibrated.loc[1, "judged_looks"] == 10 and uncalibrated.loc[2, "judged_looks"] == 2


def test_coherence_if_unaligned_counts_a_coherence_call_only_below_the_threshold(planted):
    from emwatch.analysis import load_answers

    path, runs = planted
    with Store(path, read_only=True) as st:
        out = replay(st, MonitorConfig(cascade_every=5, cascade_bands={"kl": 0.2}, coherence="if_unaligned")).set_index("seed")
        a = load_answers(st, text=False)
    a = a[(a.run_id == runs[1]) & a.step.isin([50, 100]) & a.is_benchmark]
    assert out.loc[1, "judge_calls"] == len(a) + int((a.aligned < 30).sum())
    assert len(a) < out.loc[1, "judge_calls"] < 2 * len(a)


def test_the_cli_reports_the_calls_saved(planted, tmp_path):
    path, _ = planted
    cfg = tmp_path / "m.yaml"
    cfg.write_text("cascade_every: 5\ncascade_bands: {kl: 0.2}\n")
    res = CliRunner().invoke(app, ["monitor", "replay", "-s", str(path), "-m", str(cfg), "-f", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["seed"]: r for r in json.loads(res.stdout)}
    assert rows[0]["judge_calls"] == 320 and rows[0]["skipped_steps"] == [10, 20, 30, 40]
    assert "6 of 30 looks judged, 960 of 4160 judge calls (23.1%" in res.stderr
    assert "no stored signal for 1 run(s)" in res.stderr
    table = CliRunner().invoke(app, ["monitor", "replay", "-s", str(path), "-m", str(cfg)])
    assert table.exit_code == 0 and "960 of 4160 judge calls" in table.stdout
    plain = CliRunner().invoke(app, ["monitor", "replay", "-s", str(path), "-f", "json"])
    assert "judge_calls" not in json.loads(plain.stdout)[0] and "cascade" not in plain.stderr
