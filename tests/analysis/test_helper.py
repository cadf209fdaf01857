"""The report's helper process (analysis._helper): work shared between this process and a spawned worker, the
results in order, and every failure of the worker (an error, the process dying) raised in the caller."""

from __future__ import annotations

import operator
import os
import time

import pytest

from emwatch.analysis._helper import Helper, split, wanted


@pytest.fixture(scope="module")
def helper():
    with Helper() as h:
        yield h


def test_split_shares_the_items_and_keeps_their_order(helper):
    here_took = []

    def here(x):
        time.sleep(0.05)   # slower than the worker's round trip: it takes some items too
        here_took.append(x)
        return x * 10

    items = list(range(12))
    got = split(items, here, helper, operator.mul, 10)
    assert got == [x * 10 for x in items]
    # this process takes from the back, the worker from the front: both did some (the worker at least the first)
    assert 0 not in here_took and len(here_took) < len(items)
    assert here_took == sorted(here_took, reverse=True)


def test_an_error_in_the_worker_is_raised_here(helper):
    with pytest.raises(ZeroDivisionError):
        split([1, 2, 3, 4], lambda x: x, helper, operator.truediv, 0)
    assert split([1, 2], lambda x: -x, helper, operator.neg) == [-1, -2]   # the worker is still usable


def test_an_error_here_stops_and_is_raised(helper):
    def here(x):
        time.sleep(0.05)
        raise ValueError(f"here failed on {x}")

    with pytest.raises(ValueError, match="here failed on 6"):
        split([1, 2, 3, 4, 5, 6], here, helper, operator.neg)
    assert split([1, 2], lambda x: -x, helper, operator.neg) == [-1, -2]   # the worker ended its item, still usable


def test_a_worker_that_dies_is_an_error_not_a_missing_result():
    with Helper() as h:
        with pytest.raises(Exception) as e:
            split([3, 4, 5, 6], lambda x: x, h, os._exit)
    assert "terminated abruptly" in str(e.value) or type(e.value).__name__ == "BrokenProcessPool"


def test_wanted(tmp_path):
    from emwatch.store import Store

    s = Store(tmp_path / "s.duckdb")
    s.close()
    ro = Store(tmp_path / "s.duckdb", read_only=True)
    assert wanted(ro, 2) and not wanted(ro, 1)
    assert not wanted(ro, None)            # an empty store: the worker's start would cost more than it saves
    assert not wanted(s, None)             # a store opened for writing: another process cannot read it
    with pytest.raises(ValueError, match="workers=3"):
        wanted(ro, 3)
