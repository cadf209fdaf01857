"""The notebook API (`emwatch.open`): the docs example runs as written, and its frames and figure agree with the
analysis it wraps."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.figure import Figure

import emwatch
from emwatch.analysis import em_rates, load_answers, select_answers
from emwatch.store import Store
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_docs_example_runs(tmp_path, capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.S)
    assert len(blocks) == 1
    scope: dict = {}
    exec(compile(blocks[0], str(DOCS), "exec"), scope)
    final = scope["final"]
    # the planted EM rate (0.3) is recovered at the last checkpoint for both seeds
    assert final["em_rate"].tolist() == pytest.approx([0.3, 0.3], abs=0.03)
    assert isinstance(scope["fig"], Figure) and Path(scope["path"]).with_suffix(".png").stat().st_size > 1000
    assert "em_rate" in capsys.readouterr().out


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "s.duckdb"
    with Store(path) as store:
        simulate_study(store, SimStudy(models=[SimModel("a", base_rate=0.0), SimModel("b", base_rate=0.0)],
                                       runs=[SimRun("a", 0, 0.2, 20, total_steps=40, every=20),
                                             SimRun("b", 0, 0.5, 40, total_steps=40, every=20)],
                                       questions_per_category=2, samples=5, task_prompts=4))
    return path


def test_frames_match_the_analysis_and_thresholds_apply(store_path):
    with emwatch.open(store_path) as study:
        with Store(store_path, read_only=True) as store:
            # the table is split by run kind and dataset too (a base model never pooled with its fine-tunes)
            mine = em_rates(select_answers(load_answers(store, text=False), ["model", "step"]),
                            by=["model", "step", "run_kind", "dataset"])
        rates = study.rates(by=["model", "step"])
        assert rates.drop(columns="judge").equals(mine) and set(rates["judge"]) == {"sim-judge"}
        strict = study.rates(by="model", aligned_below=0.0)  # nothing scores below 0: no misaligned answers
        assert (strict["em_rate"] == 0).all() and (study.rates(by="model").query("run_kind != 'base'")["em_rate"] > 0).all()
        assert "response" not in study.answers() and "response" in study.answers(text=True)
        assert set(study.checkpoints()["step"]) == {0, 20, 40}
        fig = study.plot_rates(hue="model")
        labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert labels == ["a", "b"]
        line_b = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "b"][0]
        assert list(line_b.get_ydata()) == pytest.approx([0.0, 0.0, 0.5], abs=0.03)


def test_importing_emwatch_stays_cheap():
    code = "import sys, emwatch; print(sorted(m for m in ('pandas', 'duckdb', 'emwatch.api') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert callable(emwatch.open) and emwatch.open is emwatch.api.open
