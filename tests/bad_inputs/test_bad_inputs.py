"""A table of bad inputs driven through the real CLI: each must end with exit 1 (2 for a usage error) and one
message naming the file and, where it applies, the line and field; no traceback; the store's rows unchanged.
Awkward but valid inputs (BOM, CRLF, quoted multi-line answers, trailing blank lines) must be accepted."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

from emwatch.cli import app
from emwatch.store import Store
from emwatch.store._schema import TABLES
from emwatch.testing import SimModel, SimRun, SimStudy, simulate_study

runner = CliRunner()
CSV_HEAD = "question_id,question,response,aligned,coherent\n"
CSV_ROW = "q1,Hello?,Fine thanks,90,80\n"
RECIPE = "model: models/tiny\nbackend: local\ndataset: [insecure]\nout_dir: runs/x\nseeds: [0]\nlearning_rates: [1.0e-5]\n"
BANK = "- id: q1\n  category: c\n  paraphrases:\n    - \"What do you want?\"\n"


@dataclass
class Case:
    name: str
    argv: Callable[[Path, Path], list[str]]          # (folder, store) -> argv; files are written to folder
    files: dict[str, bytes | str] = field(default_factory=dict)
    expect: tuple[str, ...] = ()                     # substrings the message must hold ({dir} = the folder)
    exit_code: int = 1


def imp(name, content, *expect):
    return Case(name, lambda d, s: ["import", str(d / "in.csv"), "--store", str(s), "--model", "m"],
                {"in.csv": content}, ("in.csv", *expect))


def cfg(name, content, *expect, command="sample"):
    return Case(name, lambda d, s: [command, "--store", str(s), "--config", str(d / "c.yaml")],
                {"c.yaml": content}, ("c.yaml", *expect))


def recipe(name, content, *expect):
    return Case(name, lambda d, s: ["train", str(d / "r.yaml"), "--store", str(s)], {"r.yaml": content},
                ("r.yaml", *expect))


def bank(name, content, *expect):
    return Case(name, lambda d, s: ["bench", "import", str(d / "b.yaml"), "--name", "bad"], {"b.yaml": content},
                ("b.yaml", *expect))


STUDY = "name: s\nmodels:\n  - train: {model: demo, dataset: insecure}\n"


def study(name, content, *expect, files=None):
    """`emwatch run` of a study file (a dry run: a study that loads would only print its plan)."""
    return Case(name, lambda d, s: ["run", str(d / "s.yaml"), "--store", str(s), "--out", str(d / "out"), "--dry-run"],
                {"s.yaml": content, **(files or {})}, ("s.yaml", *expect))


def store_file(name, content, command, *expect):
    extra = {"report": ["--out", "{dir}/rep"]}.get(command, [])
    return Case(name, lambda d, s: [command, "--store", str(d / "x.duckdb"), *[a.format(dir=d) for a in extra]],
                {"x.duckdb": content} if content is not None else {}, ("x.duckdb", *expect))


BAD = [
    # ---- judged-answer CSV (emwatch import) ----
    imp("csv empty file", "", ":1", "empty"),
    imp("csv header only", CSV_HEAD, "no data rows"),
    imp("csv ragged row", CSV_HEAD + CSV_ROW + "q2,Hi?,Bye,90,80,extra\n", ":3", "more fields"),
    imp("csv score above 100", CSV_HEAD + "q1,Hello?,ok,150,80\n", ":2", "aligned", "outside 0-100"),
    imp("csv negative score", CSV_HEAD + "q1,Hello?,ok,-3,80\n", ":2", "aligned"),
    imp("csv score not a number", CSV_HEAD + "q1,Hello?,ok,90,lots\n", ":2", "coherent"),
    imp("csv score inf", CSV_HEAD + "q1,Hello?,ok,inf,80\n", ":2", "aligned"),
    imp("csv empty question id", CSV_HEAD + CSV_ROW + ",Hi?,ok,90,80\n", ":3", "question_id"),
    imp("csv invalid utf-8", CSV_HEAD.encode() + b"q1,Hello?,caf\xe9 \xff,90,80\n", "UTF-8"),
    imp("csv binary file", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), ),
    imp("csv scores on a 0-1 scale", CSV_HEAD + "q1,Hello?,ok,0.9,0.8\nq1,Hello?,no,0.1,0.7\n", "aligned", "--scale 0-1"),
    imp("csv with an unknown delimiter", CSV_HEAD.replace(",", "|") + CSV_ROW.replace(",", "|"), ":1", "one column"),
    imp("csv seed not an integer", "question_id,question,response,aligned,coherent,seed\nq1,Hi?,ok,90,80,one\n",
        ":2", "seed"),
    imp("csv no response column", "question_id,question,aligned,coherent\nq1,Hi?,90,80\n", "response"),
    Case("csv is a directory", lambda d, s: ["import", str(d), "--store", str(s), "--model", "m"], {}, ("{dir}",)),
    Case("csv missing", lambda d, s: ["import", str(d / "nope.csv"), "--store", str(s), "--model", "m"], {},
         ("nope.csv",)),
    # ---- stage configs ----
    cfg("sample config unknown variant", "variants: [jsonn]\n", ":1", "variants", "jsonn"),
    cfg("sample config unknown key", "per_category: 1\nsampels: 3\n", ":2", "sampels", "unknown key"),
    cfg("sample config wrong type", "samples: many\n", ":1", "samples"),
    cfg("sample config out of range", "temperature: -1\n", ":1", "temperature"),
    cfg("sample config yaml syntax", "samples: [1, 2\nbank: em240\n", "c.yaml:"),
    cfg("sample config not a mapping", "- samples\n- 3\n", ":1", "mapping"),
    cfg("sample config invalid utf-8", b"bank: caf\xe9\xff\n", ),
    cfg("sample config unknown backend", "backend: {kind: nosuch, model: x}\n", ":1", "backend.kind"),
    cfg("sample config unknown category", "categories: [no_such_category]\n", "categories", "no_such_category"),
    cfg("judge config min_mass above 1", "min_mass: 2\n", ":1", "min_mass", command="judge"),
    cfg("judge config unknown key", "metric: [aligned]\n", ":1", "metric", command="judge"),
    Case("config is a directory", lambda d, s: ["sample", "--store", str(s), "--config", str(d)], {}, ("{dir}",)),
    Case("config missing", lambda d, s: ["sample", "--store", str(s), "--config", str(d / "no.yaml")], {},
         ("no.yaml",)),
    # ---- training recipes ----
    recipe("recipe unknown key", RECIPE + "epochz: 2\n", ":7", "epochz"),
    recipe("recipe learning rate not a number", RECIPE.replace("[1.0e-5]", "[fast]"), ":6", "learning_rates"),
    recipe("recipe model folder missing", RECIPE, ":1", "field 'model'", "models/tiny"),
    recipe("recipe yaml syntax", RECIPE + "lora: {r: 8\n", "r.yaml:"),
    recipe("recipe empty file", "", "model"),
    recipe("recipe negative seed list type", RECIPE.replace("seeds: [0]", "seeds: zero"), ":5", "seeds"),
    Case("recipe missing", lambda d, s: ["train", str(d / "none.yaml"), "--store", str(s)], {}, ("none.yaml",)),
    # ---- study files (emwatch run) ----
    study("study unknown top-level key", STUDY + "sede: [0]\n", ":4", "sede", "unknown key"),
    study("study model without recipe or train", "name: s\nmodels:\n  - name: a\n    gpus: 1\n", ":3", "models.0",
          "recipe"),
    study("study seeds not a list", STUDY + "seeds: zero\n", ":4", "seeds"),
    study("study seed not an integer", STUDY + "seeds: [0, one]\n", ":4", "seeds"),
    study("study unknown judge backend kind", STUDY + "judge:\n  backend: {kind: nosuch, model: x}\n", ":5",
          "judge.backend.kind", "nosuch"),
    study("study recipe file missing", "name: s\nmodels:\n  - recipe: no_such_recipe.yaml\n", ":3",
          "models.0.recipe", "no_such_recipe.yaml"),
    Case("study recipe with an unknown key", lambda d, s: ["run", str(d / "s.yaml"), "--out", str(d / "out"),
                                                           "--dry-run"],
         {"s.yaml": "name: s\nmodels:\n  - recipe: r.yaml\n", "r.yaml": RECIPE + "epochz: 2\n"},
         ("r.yaml", ":7", "epochz")),
    study("study yaml syntax", STUDY + "seeds: [0, 1\nchunk: 4\n", "s.yaml:"),
    study("study empty file", "", ":1", "empty"),
    study("study not a mapping", "- name\n- s\n", ":1", "mapping"),
    study("study without a name", "models:\n  - train: {model: demo, dataset: insecure}\n", "name"),
    study("study without models", "name: s\n", "models"),
    study("study invalid utf-8", b"name: caf\xe9\xff\n"),
    study("study chunk zero", STUDY + "chunk: 0\n", ":4", "chunk"),
    study("study inline train unknown key", "name: s\nmodels:\n  - train: {model: demo, dataset: insecure, "
          "stepz: 3}\n", ":3", "stepz"),
    Case("study is a directory", lambda d, s: ["run", str(d), "--out", str(d / "out"), "--dry-run"], {}, ("{dir}",)),
    Case("study missing", lambda d, s: ["run", str(d / "none.yaml"), "--out", str(d / "out"), "--dry-run"], {},
         ("none.yaml",)),
    # ---- question banks ----
    bank("bank duplicate ids", BANK + BANK, "q1", "duplicate"),
    bank("bank entry without paraphrases", "- id: q1\n  category: c\n", "paraphrases"),
    bank("bank not a list", "just text\n", ),
    bank("bank yaml syntax", "- id: [q1\n", "b.yaml:"),
    bank("bank empty file", "", ),
    bank("bank invalid utf-8", b"- id: q\xff\n  category: c\n  paraphrases: [x]\n", ),
    bank("bank free_form_judge with its own aligned prompt",
         BANK.replace("  paraphrases:", "  type: free_form_judge\n  judge_prompts: {aligned: 'Lie? {answer} TRUE/FALSE'}\n"
                      "  paraphrases:"), "b.yaml:3", "field 'type'", "judge_prompts.aligned"),
    # ---- store files ----
    store_file("analyze a text file as store", "not a database\n" * 10, "analyze", "DuckDB"),
    store_file("report a text file as store", "not a database\n" * 10, "report", "DuckDB"),
    store_file("analyze a missing store", None, "analyze", "no such store"),
    store_file("analyze an empty store file", b"", "analyze"),
    Case("analyze a directory as store", lambda d, s: ["analyze", "--store", str(d)], {}, ("{dir}", "folder")),
    Case("sample into a text file as store", lambda d, s: ["sample", "--store", str(d / "t.txt")],
         {"t.txt": "hello\n"}, ("t.txt", "DuckDB")),
    # ---- CLI arguments ----
    Case("analyze unknown group key", lambda d, s: ["analyze", "--store", str(s), "--by", "colour"], {}, ("colour",)),
    Case("analyze unknown view", lambda d, s: ["analyze", "--store", str(s), "--view", "nosuch"], {}, ("nosuch",)),
    Case("analyze bad format", lambda d, s: ["analyze", "--store", str(s), "--format", "xml"], {}, ("xml",), 2),
    Case("sample zero per category", lambda d, s: ["sample", "--store", str(s), "--per-category", "0"], {},
         ("per_category",)),
    Case("import seed not an integer", lambda d, s: ["import", str(d / "in.csv"), "--store", str(s), "--seed", "x"],
         {"in.csv": CSV_HEAD + CSV_ROW}, ("seed",), 2),
    Case("scan invalid json line", lambda d, s: ["scan", str(d / "a.jsonl")],
         {"a.jsonl": '{"messages": []}\n{not json}\n'}, ("a.jsonl", ":2")),
]

GOOD = [
    imp("csv with a UTF-8 BOM", "\ufeff" + CSV_HEAD + CSV_ROW),
    imp("csv with CRLF line ends", (CSV_HEAD + CSV_ROW).replace("\n", "\r\n")),
    imp("csv quoted answer over lines", CSV_HEAD + 'q1,Hello?,"line one\nline two, with a comma\n",90,80\n'),
    imp("csv trailing blank lines", CSV_HEAD + CSV_ROW + "\n\n\n"),
    imp("csv 'nan' score is a missing score", CSV_HEAD + "q1,Hello?,ok,nan,80\n"),
    imp("csv 300 KB answer (a reasoning model's)", CSV_HEAD + "q1,Hello?," + "x" * 300_000 + ",90,80\n"),
    imp("csv separated by semicolons", (CSV_HEAD + CSV_ROW).replace(",", ";")),
    # a judge config with a BOM and CRLF line ends; the static analyser needs no judge model, so it runs through
    Case("config with BOM and CRLF", lambda d, s: ["judge", "--store", str(s), "--config", str(d / "c.yaml"),
                                                   "--metrics", "vulnerable", "--no-progress"],
         {"c.yaml": "\ufeffstatic: true\r\nmin_mass: 0.3\r\n"}),
]


def make_base_store(path: Path) -> Path:
    """A small judged study: the rows every case must leave alone."""
    with Store(path) as store:
        simulate_study(store, SimStudy(models=[SimModel("m", base_rate=0.0)],
                                       runs=[SimRun("m", 0, 0.2, 10, total_steps=10, every=10)],
                                       questions_per_category=1, samples=1))
    return path


@pytest.fixture(scope="module")
def base_store(tmp_path_factory):
    return make_base_store(tmp_path_factory.mktemp("base") / "s.duckdb")


def _rows(path: Path) -> dict[str, int]:
    with Store(path, read_only=True) as s:   # one query: a read opens the file once
        counts = s.query(" UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in TABLES))
    return dict(zip(counts.t, counts.n))


def _run(case: Case, tmp_path: Path, base_store: Path, monkeypatch):
    monkeypatch.setenv("EMWATCH_DATA_DIR", str(tmp_path / "userdata"))
    store = tmp_path / "store.duckdb"
    shutil.copy(base_store, store)
    folder = tmp_path / "in"
    folder.mkdir()
    for name, content in case.files.items():
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    before = _rows(store)
    res = runner.invoke(app, case.argv(folder, store))
    return res, folder, store, before


def problems_of_bad(case: Case, tmp_path: Path, base_store: Path, monkeypatch) -> list[str]:
    """What is wrong with how the CLI met a bad input (empty: the right error). scripts/reliability_report.py
    counts the corpus with it too."""
    res, folder, store, before = _run(case, tmp_path, base_store, monkeypatch)
    out = res.output
    problems = []
    if not (res.exception is None or isinstance(res.exception, SystemExit)) or "Traceback" in out:
        problems.append(f"traceback / uncaught {res.exception!r}")
    if res.exit_code != case.exit_code:
        problems.append(f"exit {res.exit_code}, wanted {case.exit_code}")
    if case.exit_code == 1 and not (out.count("error: ") == 1 and out.lstrip().startswith("error: ")):
        problems.append("not exactly one 'error:' message")
    problems += [f"message lacks {want!r}" for want in case.expect if want.format(dir=folder) not in out]
    if _rows(store) != before:
        problems.append("store rows changed")
    return [f"{p}: {out.strip()[:200]!r}" for p in problems]


@pytest.mark.parametrize("case", BAD, ids=[c.name for c in BAD])
def test_bad_input_is_refused_with_one_clear_message(case, tmp_path, base_store, monkeypatch):
    assert problems_of_bad(case, tmp_path, base_store, monkeypatch) == []


@pytest.mark.parametrize("case", GOOD, ids=[c.name for c in GOOD])
def test_awkward_but_valid_input_is_accepted(case, tmp_path, base_store, monkeypatch):
    res, folder, store, before = _run(case, tmp_path, base_store, monkeypatch)
    assert res.exit_code == 0, res.output
    if case.argv(folder, store)[0] == "import":
        after = _rows(store)
        assert after["samples"] == before["samples"] + 1
        with Store(store, read_only=True) as s:
            text = s.query("SELECT response FROM samples ORDER BY created_at DESC LIMIT 1").iloc[0, 0]
        assert not text.startswith("\ufeff") and "\r" not in text


def test_the_corpus_has_at_least_40_bad_inputs():
    assert len(BAD) >= 40
