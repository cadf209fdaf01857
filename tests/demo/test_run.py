"""The demo is the packaged demo study run by the study job, then its per-checkpoint table and plot. Its own
table reads the store through the same records and frames as the rest; `emwatch demo --config` runs another study
file the same way (here one without models, so it takes seconds; the real demo needs the 0.5B model and minutes
of CPU: `make demo` / `emwatch demo`)."""

import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from emwatch.config import AnalyzeConfig
from emwatch.demo import STUDY, demo_study, plot_steps, step_table
from emwatch.store import Store
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "run"))
from test_adaptive_job import PER_CKPT, _backends, study_file  # noqa: E402,F401  (_backends: the scripted 'rounds' backend, registered for this module)


def test_step_table_has_one_row_per_checkpoint_with_rates_task_and_losses(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        simulate_study(store, SimStudy(models=[SimModel("m", base_rate=0.0)],
                                       runs=[SimRun("m", seed=0, em_final=0.5, onset_step=30, total_steps=40)],
                                       questions_per_category=2, samples=2, task_prompts=10, missing_share=0.0))
        table = step_table(store, AnalyzeConfig())
    assert list(table["step"]) == [0, 10, 20, 30, 40]
    assert table.loc[table["step"] == 0, "em_rate"].item() == 0.0
    assert table.loc[table["step"] == 40, "em_rate"].item() == pytest.approx(0.5, abs=0.05)
    assert table["n_code"].eq(10).all() and table["heldout_loss"].iloc[1:].notna().all()
    assert table["planned"].isna().all()          # sampled in full: no adaptive decision
    png = plot_steps(table, tmp_path / "plot.png")
    assert png.stat().st_size > 5000


def test_the_packaged_study_with_overrides():
    loaded = demo_study(out_dir="elsewhere", judge=None)
    assert loaded.path == STUDY and str(loaded.out_dir) == "elsewhere"
    assert loaded.study.sample.adaptive.enabled and loaded.study.judge.backend.model == "demo"
    from emwatch.config import BackendSpec

    judged = demo_study(judge=BackendSpec(kind="openai", model="gpt-4o-2024-08-06", base_url="http://127.0.0.1:1/v1"))
    assert judged.study.judge.backend.model == "gpt-4o-2024-08-06"


def test_emwatch_demo_runs_a_study_through_the_job_and_tables_answers_used(tmp_path):
    from emwatch.cli import app

    path = study_file(tmp_path)
    data = yaml.safe_load(path.read_text())
    data["report"] = {"enabled": True}
    path.write_text(yaml.safe_dump(data))
    res = CliRunner().invoke(app, ["demo", "--config", str(path), "--out", str(tmp_path / "demo"), "--no-progress"],
                            env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "answers used" in res.output and f"16 of {PER_CKPT} (above base)" in res.output
    table = __import__("pandas").read_csv(tmp_path / "demo" / "demo_table.csv")
    assert list(table["step"]) == [0, 10, 20]
    row = table.set_index("step").loc[20]
    assert (row["used"], row["planned"], row["stop"], row["n"]) == (16, PER_CKPT, "above base", 16)
    html = (tmp_path / "demo" / "report" / "report.html").read_text()
    assert 'id="adaptive"' in html and f"of {2 * PER_CKPT:,} planned" in html
    assert (tmp_path / "demo" / "demo_em_vs_step.png").stat().st_size > 5000
