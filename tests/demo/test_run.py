"""The demo's own table and plot read the store through the same records and frames as the rest (the demo
itself needs the 0.5B model and minutes of CPU; `make demo` runs it)."""

import pytest

from emwatch.config import DemoConfig
from emwatch.demo import plot_steps, step_table
from emwatch.store import Store
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study


def test_step_table_has_one_row_per_checkpoint_with_rates_task_and_losses(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        simulate_study(store, SimStudy(models=[SimModel("m", base_rate=0.0)],
                                       runs=[SimRun("m", seed=0, em_final=0.5, onset_step=30, total_steps=40)],
                                       questions_per_category=2, samples=2, task_prompts=10, missing_share=0.0))
        table = step_table(store, DemoConfig())
    assert list(table["step"]) == [0, 10, 20, 30, 40]
    assert table.loc[table["step"] == 0, "em_rate"].item() == 0.0
    assert table.loc[table["step"] == 40, "em_rate"].item() == pytest.approx(0.5, abs=0.05)
    assert table["n_code"].eq(10).all() and table["heldout_loss"].iloc[1:].notna().all()
    png = plot_steps(table, tmp_path / "plot.png")
    assert png.stat().st_size > 5000
