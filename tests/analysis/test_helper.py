"""The report's helper process (analysis._helper): a spawned worker whose every failure (an error, the process
dying) is raised in the caller."""

from __future__ import annotations

import operator
import os
import signal

import pytest

from emwatch.analysis._helper import Helper, wanted
from emwatch.store import Store


@pytest.fixture(scope="module")
def helper():
    with Helper() as h:
        yield h


def test_a_task_runs_in_another_process(helper):
    assert helper.submit(os.getpid).result() != os.getpid()
    with pytest.raises(ZeroDivisionError):   # an error there is raised here
        helper.submit(operator.truediv, 1, 0).result()
    assert helper.submit(operator.neg, 3).result() == -3   # and the worker is still usable


def test_a_helper_that_died_fails_the_study_not_a_model_missing(tmp_path):
    """The helper process killed before the study: the analysis raises; it does not go on without the models it
    would have analysed."""
    from concurrent.futures.process import BrokenProcessPool

    from emwatch.analysis import analyze_study
    from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study

    store = Store(tmp_path / "s.duckdb")
    simulate_study(store, SimStudy(models=[SimModel("a"), SimModel("b")], runs=[SimRun("a", 0, 0.2, 40),
                                                                                  SimRun("b", 0, 0.3, 40)],
                                   questions_per_category=2, samples=2))
    with Helper() as h:
        assert h.submit(os.getpid).result() > 0
        os.kill(h.submit(os.getpid).result(), signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            analyze_study(store, helper=h)
    store.close()


def test_wanted():
    assert wanted(2) and not wanted(1) and not wanted(None)
    with pytest.raises(ValueError, match="workers=3"):
        wanted(3)


def test_a_helper_whose_caller_is_killed_ends_itself(tmp_path):
    """`emwatch report` killed (SIGKILL: no cleanup) must not leave its helper process running."""
    import subprocess
    import sys
    import time

    code = ("import os, sys; from emwatch.analysis._helper import Helper; h = Helper(); "
            "print(h.submit(os.getpid).result(), flush=True); import time; time.sleep(60)")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    child = int(p.stdout.readline())
    os.kill(child, 0)   # running
    p.kill()
    p.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{child}/stat") as f:
            if f.read().split()[2] == "Z":   # ended, not yet reaped
                break
        time.sleep(0.2)
    else:
        os.kill(child, signal.SIGKILL)
        raise AssertionError("the helper outlived its caller by 10 s")
    p.stdout.close()
