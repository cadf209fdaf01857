"""The scanner is its own package below the judge stage, and its modules import each other without a cycle."""

from __future__ import annotations

import itertools

import pytest

grimp = pytest.importorskip("grimp")


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("emwatch")


def test_no_import_cycle_among_the_scanner_modules(graph):
    mods = sorted(m for m in graph.modules if m.startswith("emwatch.scan."))
    assert len(mods) >= 11
    cycles = [(a, b) for a, b in itertools.permutations(mods, 2)
              if graph.direct_import_exists(importer=a, imported=b) and graph.chain_exists(importer=b, imported=a)]
    assert cycles == []


def test_the_scanner_imports_nothing_above_it(graph):
    above = {"emwatch.judge", "emwatch.metrics", "emwatch.analysis", "emwatch.cli", "emwatch.sample", "emwatch.data"}
    used = {imported for m in graph.modules if m.startswith("emwatch.scan")
            for imported in graph.find_modules_directly_imported_by(m)}
    assert not {u for u in used if any(u == a or u.startswith(a + ".") for a in above)}


def test_old_names_still_work():
    import emwatch.judge
    import emwatch.scan

    assert emwatch.judge.find_vulnerabilities is emwatch.scan.find_vulnerabilities
    assert emwatch.judge.CLASSES == emwatch.scan.CLASSES
