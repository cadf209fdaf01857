"""The conventions every command follows: one error path (one `error:` line naming the file, exit 1, no
traceback; a bug keeps its traceback), `--store/-s` wherever a store is named, `--format/-f table|json|csv`
wherever results are printed, and JSON / CSV alone on stdout."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
import typer
from pydantic import BaseModel
from typer.main import get_command
from typer.testing import CliRunner

import emwatch
from emwatch.cli import app
from emwatch.cli._common import Format, new_app
from emwatch.errors import (
    BackendError, ConfigError, MissingDependency, ModelFileError, StoreError,
)

runner = CliRunner()
SRC = str(Path(emwatch.__path__[0]).parent)


# -- the error path itself ------------------------------------------------------------------------------------
class _Settings(BaseModel):
    n: int


def _raiser(exc: BaseException):
    def command() -> None:
        typer.echo("started")
        raise exc
    return command


@pytest.fixture
def toy(tmp_path):
    """An app made the way every emwatch app is made, with commands that fail in each expected way."""
    toy = new_app()
    cases = {
        "config": ConfigError(f"{tmp_path}/a.yaml:3: field 'x': unknown key"),
        "store": StoreError(f"{tmp_path}/s.duckdb: store schema version 9, this emwatch reads version 1"),
        "backend": BackendError("http://127.0.0.1:9/v1: 401 invalid api key"),
        "model": ModelFileError("demo part 3: sha256 mismatch"),
        "dependency": MissingDependency("'tinker' needs a package that is missing (tinker): pip install tinker"),
        "missing": FileNotFoundError(2, "No such file or directory", f"{tmp_path}/in.jsonl"),
        "denied": PermissionError(13, "Permission denied", f"{tmp_path}/out"),
    }
    for name, exc in cases.items():
        toy.command(name)(_raiser(exc))

    @toy.command("invalid")
    def invalid() -> None:
        typer.echo("started")
        _Settings(n="many")

    toy.command("bug")(_raiser(ZeroDivisionError("division by zero")))
    toy.command("interrupt")(_raiser(KeyboardInterrupt()))
    sub = new_app()
    sub.command("deep")(_raiser(ConfigError("nested.yaml:1: bad")))
    sub.command("other")(lambda: None)
    toy.add_typer(sub, name="sub")
    return toy


@pytest.mark.parametrize("cmd,expected", [
    ("config", "a.yaml:3: field 'x': unknown key"),
    ("store", "s.duckdb: store schema version 9"),
    ("backend", "401 invalid api key"),
    ("model", "demo part 3: sha256 mismatch"),
    ("dependency", "pip install tinker"),
    ("missing", "in.jsonl: No such file or directory"),
    ("denied", "out: Permission denied"),
    ("invalid", "invalid _Settings: field 'n': Input should be a valid integer"),
])
def test_expected_failures_are_one_line_and_exit_1(toy, cmd, expected):
    res = runner.invoke(toy, [cmd])
    assert res.exit_code == 1, res.output
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0]
    assert res.stdout == "started\n"  # what the command printed before failing stays; the error is not on stdout
    assert isinstance(res.exception, SystemExit)  # handled: nothing propagates to print a traceback


def test_nested_group_uses_the_same_path(toy):
    res = runner.invoke(toy, ["sub", "deep"])
    assert res.exit_code == 1 and res.stderr == "error: nested.yaml:1: bad\n"


def test_a_bug_keeps_its_exception_and_traceback(toy):
    res = runner.invoke(toy, ["bug"])
    assert res.exit_code == 1 and isinstance(res.exception, ZeroDivisionError)
    assert "error:" not in res.stderr


def test_interrupt_exits_130_with_a_resume_hint(toy):
    res = runner.invoke(toy, ["interrupt"])
    assert res.exit_code == 130 and "rerun to resume" in res.stderr


def test_several_problems_in_one_file_continue_indented(tmp_path):
    cfg = tmp_path / "judge.yaml"
    cfg.write_text("metricz: [aligned]\nconcurrency_typo: 3\n")
    res = runner.invoke(app, ["judge", "-s", str(tmp_path / "s.duckdb"), "--config", str(cfg)])
    assert res.exit_code == 1
    first, second = res.stderr.splitlines()
    assert first == f"error: {cfg}:1: field 'metricz': unknown key"
    assert second == f"  {cfg}:2: field 'concurrency_typo': unknown key"


# -- every command, given a bad input -------------------------------------------------------------------------
def _bad_inputs(tmp: Path) -> dict[str, tuple[list[str], Path]]:
    """command -> (arguments, the file the message must name)."""
    (tmp / "demo.yaml").write_text("name: d\nmodels: []\nsample: {samples_per_question: 3}\n")  # a study file
    (tmp / "recipe.yaml").write_text("model: demo\ndataset: insecure\nrank_typo: 3\n")
    (tmp / "sample.yaml").write_text("samples_per_question: 3\n")
    (tmp / "judge.yaml").write_text("metrics: [aligned\n")
    (tmp / "analyze.yaml").write_text("confidense: 0.9\n")
    (tmp / "notastore.duckdb").write_text("not a database\n")
    (tmp / "answers.csv").write_text("a,b\n1,2\n")
    (tmp / "broken.jsonl").write_text('{"messages": [}\n')
    (tmp / "bank.yaml").write_text("- id: a\n  paraphrases: [Hello]\n  type: multiple_choice\n")
    (tmp / "study.yaml").write_text("name: s\nmodelz: []\n")
    (tmp / "monitor.yaml").write_text("alpha: 0.05\nlooks_typo: 3\n")
    s = str(tmp / "new.duckdb")
    return {
        "demo": (["demo", "--config", str(tmp / "demo.yaml"), "--store", s], tmp / "demo.yaml"),
        "train": (["train", str(tmp / "recipe.yaml"), "-s", s], tmp / "recipe.yaml"),
        "sample": (["sample", "-s", s, "--config", str(tmp / "sample.yaml")], tmp / "sample.yaml"),
        "judge": (["judge", "-s", s, "--config", str(tmp / "judge.yaml")], tmp / "judge.yaml"),
        "judge compare": (["judge", "compare", "-s", str(tmp / "notastore.duckdb"), "--judges", "a,b"],
                          tmp / "notastore.duckdb"),
        "analyze": (["analyze", "-s", str(tmp / "notastore.duckdb")], tmp / "notastore.duckdb"),
        "analyze-config": (["analyze", "-s", s, "--config", str(tmp / "analyze.yaml")], tmp / "analyze.yaml"),
        "report": (["report", "-s", str(tmp / "missing.duckdb"), "--out", str(tmp / "rep")], tmp / "missing.duckdb"),
        "import": (["import", str(tmp / "answers.csv"), "-s", str(tmp / "imp.duckdb"), "--model", "m"], tmp / "answers.csv"),
        "import-missing": (["import", str(tmp / "none.csv"), "-s", s], tmp / "none.csv"),
        "export": (["export", "-s", str(tmp / "notastore.duckdb"), "--parquet", str(tmp / "pq")], tmp / "notastore.duckdb"),
        "scan": (["scan", str(tmp / "broken.jsonl"), "--format", "json"], tmp / "broken.jsonl"),
        "scan-code": (["scan", "--code", str(tmp / "none.py")], tmp / "none.py"),
        "bench show": (["bench", "show", str(tmp / "bank.yaml"), "-f", "json"], tmp / "bank.yaml"),
        "bench stats": (["bench", "stats", str(tmp / "bank.yaml"), "-f", "csv"], tmp / "bank.yaml"),
        "bench import": (["bench", "import", str(tmp / "bank.yaml")], tmp / "bank.yaml"),
        "bench export": (["bench", "export", str(tmp / "bank.yaml"), str(tmp / "out.yaml")], tmp / "bank.yaml"),
        "data stats": (["data", "stats", str(tmp / "broken.jsonl"), "--format", "csv"], tmp / "broken.jsonl"),
        "data export": (["data", "export", str(tmp / "broken.jsonl"), str(tmp / "out.jsonl")], tmp / "broken.jsonl"),
        "models add": (["models", "add", str(tmp / "no_adapter"), "-s", s], tmp / "no_adapter"),
        "models list": (["models", "list", "-s", str(tmp / "missing.duckdb")], tmp / "missing.duckdb"),
        "run": (["run", str(tmp / "study.yaml"), "-s", s, "--dry-run"], tmp / "study.yaml"),
        "status": (["status", "-s", str(tmp / "missing.duckdb")], tmp / "missing.duckdb"),
        "upgrade": (["upgrade", "-s", str(tmp / "missing.duckdb")], tmp / "missing.duckdb"),
        "monitor replay": (["monitor", "replay", "-s", str(tmp / "notastore.duckdb")], tmp / "notastore.duckdb"),
        "monitor replay-config": (["monitor", "replay", "-s", s, "--monitor", str(tmp / "monitor.yaml")],
                                  tmp / "monitor.yaml"),
        "monitor direction": (["monitor", "direction", "--model", str(tmp / "no_model")], tmp / "no_model"),
    }


BAD = ["demo", "train", "sample", "judge", "judge compare", "analyze", "analyze-config", "report", "import", "import-missing", "export",
       "scan", "scan-code", "bench show", "bench stats", "bench import", "bench export", "data stats", "data export", "models add", "models list",
       "run", "status", "upgrade", "monitor replay", "monitor replay-config", "monitor direction"]


@pytest.mark.parametrize("case", BAD)
def test_each_command_with_a_bad_input_names_the_file(case, tmp_path, monkeypatch):
    monkeypatch.setenv("EMWATCH_DATA_DIR", str(tmp_path / "data"))
    args, named = _bad_inputs(tmp_path)[case]
    res = runner.invoke(app, args)
    assert res.exit_code == 1, (case, res.output, res.exception)
    assert isinstance(res.exception, SystemExit)
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(named) in lines[0], (case, res.stderr)
    assert "Traceback" not in res.output and res.stdout == ""
    assert not (tmp_path / "new.duckdb").exists()  # nothing half written
    assert not (tmp_path / "data").exists()  # no bank imported


def test_every_command_has_a_bad_input_case(tmp_path):
    assert sorted(_bad_inputs(tmp_path)) == sorted(BAD)
    without_input = {"bench list", "data list", "doctor"}  # nothing to give them
    assert set(_commands()) - without_input == {c.split("-")[0] for c in BAD}


def _entry_point(args: list[str], *, cwd: Path, prelude: str = "") -> subprocess.CompletedProcess:
    code = f"import sys\nfrom emwatch.cli import app, main\n{prelude}\nsys.argv[0] = 'emwatch'\nmain()\n"
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_through_the_real_entry_point(tmp_path):
    (tmp_path / "sample.yaml").write_text("per_category: lots\n")
    done = _entry_point(["sample", "--store", "s.duckdb", "--config", "sample.yaml"], cwd=tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == "error: sample.yaml:1: field 'per_category': Input should be a valid integer, unable to parse string as an integer\n"
    assert not (tmp_path / "s.duckdb").exists()
    # a bug is not dressed up as an expected failure: Python prints its traceback
    bug = _entry_point(["boom"], cwd=tmp_path, prelude="app.command('boom')(lambda: 1 / 0)")
    assert bug.returncode == 1 and "Traceback" in bug.stderr and "ZeroDivisionError" in bug.stderr
    assert "error:" not in bug.stderr


# -- shared options -------------------------------------------------------------------------------------------
def _commands() -> dict[str, click.Command]:
    out = {}

    def walk(cmd: click.Command, prefix: str) -> None:
        subs = getattr(cmd, "commands", None)
        if subs and prefix and getattr(cmd, "invoke_without_command", False):
            out[prefix] = cmd  # a group that is a command too (`judge`; `judge compare`)
        if subs:
            for name, sub in subs.items():
                walk(sub, f"{prefix} {name}".strip())
        else:
            out[prefix] = cmd

    walk(get_command(app), "")
    return out


PRINTING = {"analyze", "judge compare", "scan", "bench list", "bench show", "bench stats", "data list", "data stats", "models add", "models list",
            "run", "status", "doctor", "monitor replay", "monitor direction"}
WITH_STORE = {"demo", "train", "sample", "judge", "judge compare", "analyze", "report", "import", "export", "models add", "models list",
              "run", "status", "upgrade", "monitor replay"}


def test_store_is_store_or_s_everywhere():
    seen = set()
    for name, cmd in _commands().items():
        for p in cmd.params:
            if p.name == "store" or "--store" in p.opts:
                assert sorted(p.opts) == ["--store", "-s"], (name, p.opts)
                seen.add(name)
    assert seen == WITH_STORE


def test_format_is_one_enum_option_wherever_results_are_printed():
    assert [f.value for f in Format] == ["table", "json", "csv"]
    seen = set()
    for name, cmd in _commands().items():
        for p in cmd.params:
            if "--format" in p.opts:
                assert sorted(p.opts) == ["--format", "-f"], (name, p.opts)
                assert p.type_descriptor.annotation is Format, name  # the one shared Enum, not a look-alike
                assert p.default is Format.table, name
                seen.add(name)
    assert seen == PRINTING


# -- JSON and CSV alone on stdout -----------------------------------------------------------------------------
def _printing_cases(tmp: Path, store: Path) -> dict[str, list[str]]:
    jsonl = tmp / "answers.jsonl"
    jsonl.write_text("\n".join(json.dumps({"messages": [{"role": "user", "content": "write it"},
                                                        {"role": "assistant", "content": code}]})
                               for code in ['import os\nos.system("ls " + x)\n', "print(1)\n"]) + "\n")
    return {
        "analyze": ["analyze", "-s", str(store), "--by", "seed,step"],
        "analyze view": ["analyze", "-s", str(store), "--view", "dynamics"],
        "scan": ["scan", str(jsonl)],
        "bench list": ["bench", "list"],
        "bench show": ["bench", "show", "em240", "-c", "anti_human", "--per-category", "1", "-w", "prefill"],
        "bench stats": ["bench", "stats", "em240"],
        "data list": ["data", "list"],
        "data stats": ["data", "stats", "insecure"],
        "models list": ["models", "list", "-s", str(store)],
    }


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study
    from emwatch.store import Store

    path = tmp_path_factory.mktemp("conv") / "s.duckdb"
    with Store(path) as store:
        simulate_study(store, SimStudy(
            models=[SimModel("m", base_rate=0.0)],
            runs=[SimRun("m", s, r, 20, total_steps=20, every=10, convergence_step=10) for s, r in [(0, 0.2), (1, 0.3)]],
            questions_per_category=1, samples=2, task_prompts=4))
    return path


@pytest.mark.parametrize("case", ["analyze", "analyze view", "scan", "bench list", "bench show", "bench stats",
                                  "data list", "data stats", "models list"])
def test_json_and_csv_alone_on_stdout_and_the_same_rows(case, tmp_path, small_store, monkeypatch):
    monkeypatch.setenv("EMWATCH_DATA_DIR", str(tmp_path / "data"))
    args = _printing_cases(tmp_path, small_store)[case]
    as_json = runner.invoke(app, [*args, "--format", "json"])
    as_csv = runner.invoke(app, [*args, "-f", "CSV"])
    as_table = runner.invoke(app, args)
    for res in (as_json, as_csv, as_table):
        assert res.exit_code == 0, (case, res.output)
    data = json.loads(as_json.stdout)  # the whole of stdout is one JSON document
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows and all(None not in r and None not in r.values() for r in rows)  # no ragged lines
    expected = {"scan": lambda d: len(d["records"]), "bench stats": lambda d: len(d["categories"]),
                "data stats": lambda d: sum(len(v) if isinstance(v, dict) else 1 for v in d.values())}
    assert len(rows) == expected.get(case, len)(data)
    assert as_table.stdout.strip() and not as_table.stdout.lstrip().startswith(("[", "{"))


def test_csv_cells_hold_json_for_lists(tmp_path, monkeypatch):
    monkeypatch.setenv("EMWATCH_DATA_DIR", str(tmp_path / "data"))
    res = runner.invoke(app, ["bench", "show", "em240", "-c", "anti_human", "--per-category", "1", "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == 3 and {r["variant"] for r in rows} == {"plain"}
    assert json.loads(rows[0]["messages"])[-1]["role"] == "user"
    shown = json.loads(runner.invoke(app, ["bench", "show", "em240", "-c", "anti_human", "--per-category", "1",
                                           "-f", "json"]).stdout)
    assert [r["key"] for r in rows] == [s["key"] for s in shown]


def test_analyze_accepts_s_and_reads_the_same_as_store(small_store):
    long = runner.invoke(app, ["analyze", "--store", str(small_store), "--by", "seed", "-f", "json"])
    short = runner.invoke(app, ["analyze", "-s", str(small_store), "--by", "seed", "-f", "json"])
    assert long.exit_code == 0 and json.loads(long.stdout) == json.loads(short.stdout)
    from emwatch.analysis import analysis_table
    from emwatch.store import Store

    with Store(small_store, read_only=True) as st:
        direct = analysis_table(st, by="seed")
    assert [r["seed"] for r in json.loads(short.stdout)] == [0, 1, None]  # the base model has no seed
    assert [r["em_rate"] for r in json.loads(short.stdout)] == pytest.approx(direct["em_rate"].tolist())
