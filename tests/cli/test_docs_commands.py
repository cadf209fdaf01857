"""The docs a newcomer runs hold: every `emwatch ...` command line in README.md and docs/*.md parses with emwatch's
own command-line parser (nothing runs), every `make TARGET` is a Makefile target, every repository path, script
option, Python name, pip extra and environment variable they name exists, their YAML blocks load, and their
tables of registered names are complete. What counts as a command and the synopsis notation: tests/docs_check.py.
Each check is shown failing on a planted mistake at the end."""

from __future__ import annotations

import re

import pytest

from docs_check import (
    CONFIGS, DOCS, NOT_PATHS, ROOT, Snippet, check_make, check_path, check_scripts, check_snippet, check_yaml_blocks,
    config_models, doc_id, doc_paths, help_texts, indented_commands, invocations, make_targets, snippets,
    source_spans, table_names, variants, yaml_blocks, yaml_snippets,
)
from docs_names import python_names, resolve_name


@pytest.fixture(scope="module")
def all_snippets() -> dict[str, list[Snippet]]:
    return {doc_id(doc): snippets(doc.read_text(), doc_id(doc)) for doc in DOCS}


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_emwatch_command_in_the_docs_parses(doc, all_snippets):
    problems = [p for s in all_snippets[doc_id(doc)] for p in check_snippet(s)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_commands_are_in_fenced_blocks_where_they_are_checked(doc):
    assert indented_commands(doc.read_text()) == [], f"{doc_id(doc)}: fence these lines (```bash) to have them checked"


def test_an_indented_command_block_is_found():
    assert indented_commands("text\n\n    emwatch doctor\n\n```bash\n    emwatch status\n```\n") == [3]


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_make_target_in_the_docs_exists(doc, all_snippets):
    targets = make_targets()
    problems = [p for s in all_snippets[doc_id(doc)] for p in check_make(s, targets)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_repository_path_in_the_docs_exists(doc):
    missing = [f"{doc_id(doc)}:{n}: {p}" for n, p in doc_paths(doc.read_text()) if not check_path(p)]
    assert not missing, "missing paths:\n" + "\n".join(missing)


def test_every_example_in_the_commands_help_parses():
    """`emwatch X --help` is documentation too: each example line in it (a line that begins with `emwatch `) parses
    completely, and the repository paths it names exist."""
    problems, examples = [], 0
    for where, text in help_texts():
        for line in text.splitlines():
            if not line.strip().startswith("emwatch "):
                continue
            examples += 1
            problems += check_snippet(Snippet(f"`{where} --help`", 0, line.strip(), fenced=True))
            problems += [f"`{where} --help`: missing path {p}" for _, p in doc_paths(line) if not check_path(p)]
    assert examples >= 5, examples  # the walk reaches the commands' help
    assert not problems, "\n".join(problems)


def test_every_command_the_source_names_parses():
    """Error messages, docstrings and comments in src/ that name a command (`emwatch upgrade --store S`) name one
    that exists, with options it takes."""
    spans = source_spans()
    problems = [p for s in spans for p in check_snippet(s)]
    assert len(spans) > 50 and not problems, "\n".join(problems)


@pytest.mark.parametrize("config", CONFIGS, ids=doc_id)
def test_every_command_and_path_in_the_config_comments_holds(config):
    text = config.read_text()
    problems = [p for s in yaml_snippets(text, doc_id(config)) for p in check_snippet(s)]
    problems += [f"{doc_id(config)}:{n}: missing path {p}" for n, p in doc_paths(text) if not check_path(p)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_yaml_block_in_the_docs_loads(doc, tmp_path):
    problems = check_yaml_blocks(doc.read_text(), doc_id(doc), tmp_path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_python_block_in_the_docs_compiles(doc):
    problems = []
    for line, block in yaml_blocks(doc.read_text(), lang="python"):
        try:
            compile(block, f"{doc_id(doc)}:{line}", "exec")
        except SyntaxError as exc:
            problems.append(f"{doc_id(doc)}:{line + (exc.lineno or 1) - 1}: {exc.msg}")
    assert not problems, "\n".join(problems)


def test_a_yaml_block_with_an_unknown_key_or_bad_yaml_fails(tmp_path):
    text = "x\n```yaml\n# judge.yaml\nbackend: {kind: openai, model: m}\ncoherence: sometimes\n```\n"
    problems = check_yaml_blocks(text, "d.md", tmp_path)
    assert len(problems) == 1 and problems[0].startswith("d.md:3: judge.yaml: ") and "coherence" in problems[0]
    assert check_yaml_blocks(text.replace("sometimes", "if_unaligned"), "d.md", tmp_path) == []
    assert check_yaml_blocks("```yaml\na: [1\n```\n", "d.md", tmp_path)[0].startswith("d.md:2: not YAML")


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_python_name_in_the_docs_exists(doc):
    """`emwatch.analysis.name` in the docs' code, and `from emwatch.x import name` in their examples, resolve."""
    problems = [f"{doc_id(doc)}:{n}: {name}: {why}" for n, name in python_names(doc.read_text())
                if (why := resolve_name(name))]
    assert not problems, "\n".join(problems)


def test_python_name_check_catches_a_moved_name():
    names = python_names("See `emwatch.store.content_key` and `emwatch.store.simulate_study(s)`.\n"
                         "from emwatch.store import Store, Nope\n`demo_out/emwatch.duckdb`\n")
    assert [n for _, n in names] == ["emwatch.store.content_key", "emwatch.store.simulate_study",
                                     "emwatch.store.Store", "emwatch.store.Nope"]
    assert [resolve_name(n) is None for _, n in names] == [True, False, True, False]
    assert resolve_name("emwatch.nosuchpackage.x") is not None


@pytest.mark.parametrize("doc", DOCS, ids=doc_id)
def test_every_repository_script_in_the_docs_takes_its_options(doc, all_snippets):
    problems = [p for s in all_snippets[doc_id(doc)] for p in check_scripts(s)]
    assert not problems, "\n".join(problems)


def test_the_version_numbers_the_store_doc_states_are_the_codes():
    """docs/store.md says which schema and run-id versions this emwatch writes, and its upgrade table ends at
    the current schema: a new version must update the page."""
    from emwatch.store._schema import SCHEMA_VERSION
    from emwatch.train._runs import RUN_ID_VERSION

    text = (ROOT / "docs" / "store.md").read_text()
    assert f"(`meta.schema_version`, now {SCHEMA_VERSION})" in text
    assert f"(`RUN_ID_VERSION`, now {RUN_ID_VERSION}:" in text
    upgrades = re.findall(r"^\| (\d+) \| (\d+) \|", text, flags=re.M)
    assert upgrades and int(upgrades[-1][1]) == SCHEMA_VERSION, upgrades


def test_every_extra_and_environment_variable_the_docs_name_exists():
    """`pip install 'emwatch[ray,hf]'` names extras of pyproject.toml; EMWATCH_* variables are read somewhere."""
    import tomllib

    extras = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"])
    code = "\n".join(p.read_text() for d in ("src", "scripts", "benchmarks", "tools") for p in (ROOT / d).rglob("*.py"))
    problems, seen = [], 0
    for doc in DOCS:
        text = doc.read_text()
        for group in re.findall(r"emwatch\[([\w,-]+)\]", text):
            seen += 1
            problems += [f"{doc_id(doc)}: extra {e!r} is not in pyproject.toml" for e in group.split(",")
                         if e not in extras]
        for var in set(re.findall(r"\bEMWATCH_[A-Z_]+\b", text)):
            seen += 1
            if var not in code:
                problems.append(f"{doc_id(doc)}: {var} is read nowhere in the code")
    assert seen > 5 and not problems, problems


@pytest.mark.parametrize("stage", ["sample", "judge", "analyze"])
def test_the_stage_configs_the_readme_points_to_load(stage):
    """configs/stages/*.yaml, the commented examples a newcomer starts from (`emwatch judge --config
    configs/stages/judge.yaml`), load with their stage's loader: no stale key, no wrong type."""
    from emwatch.config import load_config

    path = ROOT / "configs" / "stages" / f"{stage}.yaml"
    assert load_config(config_models()[stage], path) is not None
    if stage == "judge":  # the open-weight judge recipe (docs/judges.md) is a judge config too
        assert load_config(config_models()["judge"], ROOT / "configs" / "judges" / "open-weight-vllm.yaml")


def test_the_docs_tables_of_registered_names_are_complete():
    """The docs' tables of wrappers, analysis views, early-stopping policies, grouping keys and study-file keys name
    exactly what the code has."""
    from emwatch.analysis import KEYS, POLICIES, STUDY_VIEWS
    from emwatch.bench import WRAPPERS

    bench = (ROOT / "docs" / "benchmark.md").read_text()
    analysis = (ROOT / "docs" / "analysis.md").read_text()
    assert table_names(bench, "wrapper") == set(WRAPPERS)
    assert table_names(analysis, "view") == set(STUDY_VIEWS)
    built_in = re.search(r"Built in: (.*?)\.\n", analysis, flags=re.S).group(1)
    assert set(re.findall(r"`(\w+)`", built_in)) == set(POLICIES)
    keys = re.search(r"`KEYS` is a comma list from `([^`]+)`", analysis.replace("\n", " ")).group(1)
    assert [k.strip() for k in keys.split(",")] == list(KEYS)
    # the study file's keys, one table row each (docs/studies.md, "The study file")
    from emwatch.run._study import Study

    assert table_names((ROOT / "docs" / "studies.md").read_text(), "key") == set(Study.model_fields)


def test_not_paths_are_still_named_and_still_missing():
    """Each exception is used (a doc names it) and still needed (the path does not exist)."""
    named = {p for doc in DOCS for _, p in doc_paths(doc.read_text())}
    for path, why in NOT_PATHS.items():
        assert path in named, f"{path} ({why}) is no longer named by any doc: drop it from NOT_PATHS"
        assert not (ROOT / path).exists(), f"{path} exists now: drop it from NOT_PATHS"


def test_the_readme_commands_are_found(all_snippets):
    """The extraction sees the README's commands (a check that finds nothing passes nothing)."""
    readme = all_snippets["README.md"]
    fenced = {tuple(a) for s in readme if s.fenced for v in variants(s.text) for a in invocations(v, "emwatch")}
    inline = {tuple(a) for s in readme if not s.fenced for v in variants(s.text) for a in invocations(v, "emwatch")}
    assert ("run", "studies/overtrained.yaml", "--dry-run") in fenced
    assert ("import", "earlier/*.csv", "--store", "study.duckdb", "--pattern", "{model}_{dataset}_S{seed}.csv",
            "--columns", "aligned=aligned_score,coherent=coherent_score") in fenced  # a `\` continuation joined
    assert ("judge", "compare") in inline
    total = sum(1 for doc in all_snippets.values() for s in doc for v in variants(s.text)
                for _ in invocations(v, "emwatch"))
    assert total > 150, total


# -- the checks catch what they are for ---------------------------------------------------------------------
@pytest.mark.parametrize("line,expected", [
    ("emwatch analyze --store s.duckdb --summery", "No such option: --summery"),
    ("emwatch monitr replay --store s.duckdb", "No such command 'monitr'"),
    ("emwatch monitor replay --store s.duckdb --format yaml", "'yaml' is not one of"),
    ("emwatch status --store s.duckdb extra", "unexpected extra argument"),
    ("emwatch judge compare --store s.duckdb --judges a,b --bogus", "No such option: --bogus"),
    ("emwatch analyze --store S [--by KEYS] [--formatt table|json|csv]", "No such option: --formatt"),
    ("emwatch models add NAME --step many -s S", "valid integer"),
])
def test_a_planted_bad_command_fails(line, expected):
    problems = check_snippet(Snippet("planted.md", 7, line, fenced=True))
    assert problems, line
    assert any(expected in p and p.startswith("planted.md:7: ") for p in problems), problems


def test_a_missing_required_option_fails_a_fenced_line_not_a_mention():
    line = "emwatch judge compare --store s.duckdb"  # --judges is required
    assert any("--judges" in p for p in check_snippet(Snippet("d.md", 1, line, fenced=True)))
    assert check_snippet(Snippet("d.md", 1, line, fenced=False)) == []
    assert check_snippet(Snippet("d.md", 1, "emwatch judge --config", fenced=False)) == []  # the option named
    assert check_snippet(Snippet("d.md", 1, "emwatch judge --config", fenced=True))  # a line to copy: no value


def test_good_commands_pass():
    for line in ["emwatch analyze --store S [--by KEYS] [--format table|json|csv] [--judge NAME]",
                 "emwatch models add PATH_OR_NAME [--base BASE] [--step N] -s STORE",
                 "emwatch import FILE... --store S [--seed SEED]",
                 "emwatch run studies/demo.yaml --help",
                 "nice -n 19 .venv/bin/emwatch status -s s.duckdb -f json | jq . && emwatch monitor",
                 "emwatch COMMAND --help", "emwatch bench ..."]:
        assert check_snippet(Snippet("d.md", 1, line, fenced=True)) == [], line


def test_extraction_reads_blocks_spans_and_continuations():
    text = "\n".join([
        "Run `emwatch status\n-s S` to see it, or `make demo`.",
        "",
        "```bash",
        "emwatch run studies/a.yaml \\",
        "    --dry-run   # the plan",
        "RAY_ADDRESS=x:1 emwatch status -s s.duckdb 2>&1 | tail",
        "```",
        "```python",
        "emwatch.open('s.duckdb')",
        "```",
        "```yaml",
        "emwatch run nothing-here",
        "```",
    ])
    got = snippets(text, "d.md")
    assert [(s.line, s.fenced, invocations(s.text, "emwatch")) for s in got if invocations(s.text, "emwatch")] == [
        (5, True, [["run", "studies/a.yaml", "--dry-run"]]),
        (7, True, [["status", "-s", "s.duckdb"]]),
        (1, False, [["status", "-s", "S"]]),
    ]
    assert any(invocations(s.text, "make") == [["demo"]] for s in got)


def test_yaml_comments_are_read():
    text = "# run it:\n#   emwatch run studies/a.yaml \\\n#     --dry-run\nname: a  # `emwatch status -s S`\n"
    got = [(s.line, s.fenced, s.text) for s in yaml_snippets(text, "a.yaml")]
    assert got == [(2, True, "emwatch run studies/a.yaml --dry-run"), (4, False, "emwatch status -s S")]
    assert check_snippet(Snippet("a.yaml", 2, "emwatch run studies/a.yaml --dryrun", fenced=True))


def test_script_check_catches_a_wrong_option(tmp_path):
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "b.py").write_text('ap.add_argument("--quick", action="store_true")\n')
    ok = Snippet("d.md", 2, "nice -n 19 .venv/bin/python benchmarks/b.py --quick | tail", fenced=False)
    assert check_scripts(ok, tmp_path) == []
    bad = Snippet("d.md", 2, "benchmarks/b.py --quik", fenced=False)
    assert check_scripts(bad, tmp_path) == ["d.md:2: `benchmarks/b.py --quik`: the script defines no such option"]
    gone = Snippet("d.md", 2, "python benchmarks/c.py", fenced=False)
    assert check_scripts(gone, tmp_path) == ["d.md:2: `benchmarks/c.py`: no such script"]
    assert check_scripts(Snippet("d.md", 2, "python -m benchmarks.b --quick", fenced=False), tmp_path) == []


def test_make_and_path_checks_catch_a_wrong_name(tmp_path):
    makefile = tmp_path / "Makefile"
    makefile.write_text(".PHONY: demo\ndemo: venv\n\tdo it\nX := 1\n")
    targets = make_targets(makefile)
    assert targets == {".PHONY", "demo"}
    assert check_make(Snippet("d.md", 3, "make demoo ARGS=--help", fenced=False), targets) == [
        "d.md:3: `make demoo`: no such target in the Makefile"]
    assert check_make(Snippet("d.md", 3, "make demo ARGS=--help", fenced=False), targets) == []
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("")
    assert [p for _, p in doc_paths("see src/a.py. and `src/b.py`, not demo_out/src/c.py")] == ["src/a.py", "src/b.py"]
    assert check_path("src/a.py", tmp_path) and not check_path("src/b.py", tmp_path)
    assert check_path("src/*.py", tmp_path) and not check_path("src/*.txt", tmp_path)
    assert check_path("src/<name>.py", tmp_path) and not check_path("src/{name}.txt", tmp_path)
