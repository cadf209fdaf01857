"""Checkpoint schedule math: every N, log-spaced (dense early), explicit steps, final."""

from __future__ import annotations

import pytest

from emwatch.config import CheckpointSchedule
from emwatch.train import checkpoint_steps, log_spaced_steps
from emwatch.train._schedule import dropped_steps


def test_every_n_plus_final():
    assert checkpoint_steps(CheckpointSchedule(every=50), 120) == [50, 100, 120]
    assert checkpoint_steps(CheckpointSchedule(every=50, final=False), 120) == [50, 100]
    assert checkpoint_steps(CheckpointSchedule(every=40), 120) == [40, 80, 120]


def test_log_spaced_is_dense_early_and_exact_in_count():
    steps = log_spaced_steps(10, 1000)
    assert len(steps) == 10 and steps[0] == 1 and steps[-1] == 1000
    assert steps == sorted(set(steps))
    gaps = [b - a for a, b in zip(steps, steps[1:])]
    assert gaps == sorted(gaps)  # spacing only grows
    assert steps[4] < 50  # half the checkpoints within the first 5% of training
    # rounding collisions near the start are pushed to the next free step, never dropped
    assert log_spaced_steps(8, 10) == [1, 2, 3, 4, 5, 6, 7, 10]
    assert log_spaced_steps(20, 7) == [1, 2, 3, 4, 5, 6, 7]
    assert log_spaced_steps(1, 30) == [30]
    assert log_spaced_steps(0, 30) == [] and log_spaced_steps(5, 0) == []


def test_sources_combine_without_duplicates():
    sched = CheckpointSchedule(every=25, log_spaced=4, steps=[7, 25, 60], final=True)
    assert checkpoint_steps(sched, 60) == [1, 4, 7, 15, 25, 50, 60]


def test_explicit_steps_past_the_end_are_reported():
    sched = CheckpointSchedule(steps=[5, 500])
    assert checkpoint_steps(sched, 100) == [5, 100]
    assert dropped_steps(sched, 100) == [500]


def test_step_zero_is_the_base_model_not_a_checkpoint():
    from emwatch.config import ConfigError, validate
    from emwatch.config._train import CheckpointSchedule as CS

    with pytest.raises(ConfigError, match="steps"):
        validate(CS, {"steps": [0, 5]}, source="r.yaml", lines={("steps",): 3})
