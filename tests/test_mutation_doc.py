"""docs/mutation.md is generated from the mutation run's result files (tools/mutate.py --write); these tests keep it
from going stale silently and check how a result file becomes the page (no mutant is run here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import mutation_report as report  # noqa: E402
from mutate import EQUIVALENT, MODULES, Mutant  # noqa: E402


def test_the_mutation_doc_is_what_the_tool_would_write():
    """Fails when a mutated module, its tests list, EQUIVALENT or a result file changed and docs/mutation.md was
    not regenerated: rerun the module (tools/mutate.py MODULE --write) or run tools/mutate.py --doc."""
    p = subprocess.run([sys.executable, "tools/mutate.py", "--check-doc"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "docs/mutation.md is current" in p.stdout


@pytest.fixture()
def results(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    return tmp_path


def _record(rel: str, survivors: list[Mutant], *, source: str | None = None, mutants: int = 10) -> dict:
    source = (ROOT / "src" / "emwatch" / rel).read_text() if source is None else source
    conf = MODULES[rel]
    return report.record(rel, source, conf["tests"], sorted(conf.get("skip", set())), mutants=mutants,
                         ran=list(range(mutants)), killed=mutants - len(survivors), timeouts=1, survivors=survivors,
                         cpu_s=12.0, wall_s=30.0, limit_s=10.0)


def _row(text: str, rel: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"| `{rel}` | ") and "| 10 |" in line)


def test_a_result_is_current_until_its_module_changes(results):
    rel = "judge/_score.py"
    report.save(_record(rel, []), partial=False)
    assert _row(report.render(), rel).endswith("| current |")
    report.save(_record(rel, [], source="x = 1\n"), partial=False)  # a run of another source
    assert "| **stale**: the source changed since this run |" in _row(report.render(), rel)
    other = "backends/_numbers.py"
    assert f"| `{other}` | – | – | – | – | – | – | – | – | **not run** |" in report.render()


def test_survivors_are_split_into_equivalent_with_why_and_unexplained(results):
    (module, line, what), why = next((k, v) for k, v in EQUIVALENT.items() if k[0] == "judge/_stage.py")
    eq = Mutant(3, 40, what, line, "judge")
    other = Mutant(7, 41, "< -> <=", "if a < b:", "f")
    rec = report.save(_record(module, [eq, other]), partial=False)
    assert [s["index"] for s, _ in report.split_survivors(rec)[0]] == [3]
    assert [s["index"] for s in report.split_survivors(rec)[1]] == [7]
    text = report.render()
    row = _row(text, module)
    # mutants, killed, timeouts (the limit), equivalent, unexplained, CPU, wall
    assert row.startswith(f"| `{module}` | 10 | 8 | 1 (10) | 1 | 1 | 12 | 30 |")
    assert "| `judge/_stage.py` | 41 (#7, in `f`) | `if a < b:` | `< -> <=` |" in text
    assert why.replace("|", "\\|") in text


def test_a_rerun_of_some_mutants_updates_the_full_result(results):
    rel = "judge/_score.py"
    a, b = Mutant(2, 5, "0 -> 1", "x = 0", "f"), Mutant(4, 6, "1 -> 2", "y = 1", "g")
    report.save(_record(rel, [a, b]), partial=False)
    rerun = {**_record(rel, [b], mutants=10), "ran": [2, 4], "killed": 1}  # a new test kills mutant 2
    rec = report.save(rerun, partial=True)
    assert [s["index"] for s in rec["survivors"]] == [4] and rec["killed"] == 9
    stored = json.loads(report.result_path(rel).read_text())
    assert stored["killed"] == 9 and stored["reruns"][0]["mutants"] == [2, 4] and "ran" not in stored


def test_a_rerun_needs_a_full_result_of_the_same_source(results):
    rel = "judge/_score.py"
    with pytest.raises(SystemExit, match="run the whole module first"):
        report.save(_record(rel, []), partial=True)
    report.save(_record(rel, [], source="x = 1\n"), partial=False)
    with pytest.raises(SystemExit, match="run the whole module first"):
        report.save(_record(rel, []), partial=True)


def test_a_rerun_may_add_tests_but_not_drop_them(results, monkeypatch):
    rel = "judge/_score.py"
    a = Mutant(2, 5, "0 -> 1", "x = 0", "f")
    report.save(_record(rel, [a]), partial=False)
    longer = {**_record(rel, [], mutants=10), "ran": [2], "killed": 1}
    longer["tests"] = longer["tests"] + ["tests/judge/test_new.py"]
    rec = report.save(longer, partial=True)  # a test written for mutant 2 kills it
    assert rec["survivors"] == [] and rec["tests"][-1] == "tests/judge/test_new.py"
    assert rec["reruns"][-1]["tests_added"] == ["tests/judge/test_new.py"]
    fewer = {**_record(rel, [], mutants=10), "ran": [2], "killed": 1}
    fewer["tests"] = fewer["tests"][:1]
    with pytest.raises(SystemExit, match="run the whole module first"):
        report.save(fewer, partial=True)
