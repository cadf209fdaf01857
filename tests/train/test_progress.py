"""The one progress module: the training step bar and the stages' bar stay silent off a terminal and say
where they ended in one line on stderr."""

from __future__ import annotations

from emwatch._progress import StepProgress, new_progress, progress_bar


def test_step_bar_reports_its_last_step_and_losses_off_a_terminal(capsys):
    bar = StepProgress("run A", total=4, done=1)
    bar.update(2, loss=0.75)
    bar.update(3, heldout=1.5)
    bar.update(loss=0.5)  # a log line without a step keeps the step
    bar.stop()
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.strip() == "run A: 3/4 steps, loss 0.5000, held-out 1.5000"


def test_stage_bar_counts_and_reports_once(capsys):
    with progress_bar("sampling", 5) as bar:
        bar.advance(2)
        bar.advance(3)
    assert capsys.readouterr().err.strip() == "sampling: done (5 items)"
    with progress_bar("sampling", 5, enabled=False) as bar:
        bar.advance(5)
    assert capsys.readouterr().err == ""


def test_the_runner_bar_is_a_disabled_rich_progress_off_a_terminal():
    p = new_progress()
    task = p.add_task("judging", total=3)
    p.advance(task, 3)
    assert p.disable and p.tasks[0].completed == 3
