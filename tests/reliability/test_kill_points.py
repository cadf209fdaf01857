"""kill -9 in the middle of `emwatch import` and `emwatch judge`, then a rerun: the store opens, no row is
lost, none is duplicated. (scripts/kill_points.py runs 20 random points of each stage, train and sample too.)"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from kill_points import import_stage, judge_stage, run_point  # noqa: E402


@pytest.mark.slow
@pytest.mark.parametrize("stage,after", [(import_stage(8000), 2.5), (judge_stage(120), 4.0)],
                         ids=["import", "judge"])
def test_killed_stage_reruns_to_a_whole_store(stage, after, tmp_path):
    point = run_point(stage, tmp_path / stage.name, after)
    assert point.opens and point.problems == []
    assert point.rows_final == point.rows_expected
    assert point.duplicates == 0
