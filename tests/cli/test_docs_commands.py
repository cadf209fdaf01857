"""The docs a newcomer runs: every `emwatch ...` command line in README.md and docs/*.md parses with emwatch's own
command-line parser (without running anything), every `make TARGET` they name is a Makefile target, and every
repository path they name (src/..., benchmarks/..., studies/..., tools/..., configs/..., recipes/..., scripts/...,
tests/..., docs/...) exists.

What counts as a command: a line of a fenced shell block (```bash, ```sh, ```console or no language; `\\`
continuation lines joined, `#` comments dropped) or an inline code span, in which the word `emwatch` (or
`.../bin/emwatch`) stands as a command; it runs up to the next shell operator (`|`, `&&`, `;`, `>`, ...).

The docs' synopsis notation, resolved before parsing:
- `[...]` is optional: the line is parsed with every optional part and with none;
- `a|b|c` names alternatives: each is parsed;
- `FILE...` (a metavariable followed by `...`) is that argument, given once;
- a metavariable (upper case: N, SEED, VIEW) given to an option that takes a number or a choice becomes a valid
  value of that option's type; elsewhere it is a string, as a path or a name would be.

A line in a fenced block is a command a newcomer copies, so it must parse completely (required options present);
an inline span names a command in prose, so it may leave out required options and arguments, but an unknown
command, an unknown option, a bad choice or an extra argument fails it."""

from __future__ import annotations

import glob
import itertools
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import enum
import functools
import typing

import pytest
from typer.exceptions import Exit
from typer.main import get_command

try:  # typer 0.2x parses with its own copy of click
    from typer._click import exceptions as usage
except ImportError:  # pragma: no cover - an older typer parses with click
    from click import exceptions as usage  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[2]
# docs/mutation.md is generated (tools/mutate.py --doc) and names no command; the check reads it anyway for paths.
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# The YAML files a newcomer copies from: their comments name the commands that run them.
CONFIGS = sorted([*ROOT.glob("configs/**/*.yaml"), *ROOT.glob("recipes/**/*.yaml"), *ROOT.glob("studies/*.yaml"),
                  *ROOT.glob("src/emwatch/demo/*.yaml")])

SHELL_LANGS = {"", "bash", "sh", "shell", "console"}
OPERATOR = re.compile(r"^[();<>|&]+$")
METAVAR = re.compile(r"^[A-Z][A-Z0-9_]*$")
PATH_ROOTS = ("src", "benchmarks", "studies", "tools", "configs", "recipes", "scripts", "tests", "docs")
PATH = re.compile(r"(?<![\w./~$-])((?:%s)/[A-Za-z0-9_./*{}<>-]*)" % "|".join(PATH_ROOTS))

# Paths the docs name that are not meant to exist in the repository, each with why ({path: reason}). Empty: a
# placeholder part of a path is written <name> or {name} (matched as a wildcard), so the rest is still checked.
NOT_PATHS: dict[str, str] = {}


@dataclass(frozen=True)
class Snippet:
    """One shell line or inline code span from a doc: where it is and whether it is a whole command."""

    doc: str
    line: int
    text: str
    fenced: bool

    def where(self) -> str:
        return f"{self.doc}:{self.line}"


# -- reading the docs ---------------------------------------------------------------------------------------
def snippets(text: str, doc: str) -> list[Snippet]:
    """The shell lines of fenced shell blocks (continuations joined) and the inline code spans outside fences."""
    out: list[Snippet] = []
    prose: list[tuple[int, str]] = []
    lang: str | None = None
    pending: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        fence = re.match(r"^\s*```\s*([\w-]*)", line)
        if fence:
            lang = fence.group(1).lower() if lang is None else None
            prose.append((number, ""))
            continue
        if lang is None:
            prose.append((number, line))
        elif lang in SHELL_LANGS:
            start, joined = pending if pending else (number, "")
            joined = f"{joined} {line.strip()}" if joined else line.strip()
            if joined.endswith("\\"):
                pending = (start, joined[:-1].rstrip())
            else:
                pending = None
                out.append(Snippet(doc, start, joined, fenced=True))
    # Inline spans may wrap across lines within a paragraph; a blank line (or a fence) ends a paragraph.
    for para in _paragraphs(prose):
        joined = "\n".join(line for _, line in para)
        for m in re.finditer(r"(?<!`)`([^`]+)`(?!`)", joined):
            line = para[0][0] + joined.count("\n", 0, m.start())
            out.append(Snippet(doc, line, m.group(1).replace("\n", " "), fenced=False))
    return out


def yaml_snippets(text: str, doc: str) -> list[Snippet]:
    """A YAML file's comments: a comment line that begins with `emwatch ` is a command to copy (`\\` continuations
    joined), a code span in any comment names one."""
    out: list[Snippet] = []
    pending: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            body = line.split("#", 1)[1].strip()
        else:  # a comment after a value: its code spans only
            body = None
            if " # " in line:
                tail = line.split(" # ", 1)[1]
                out += [Snippet(doc, number, m.group(1), fenced=False) for m in re.finditer(r"`([^`]+)`", tail)]
        if pending is not None and body is not None:
            start, joined = pending
            body, pending = f"{joined} {body}", None
            number = start
        if body is None:
            continue
        if body.startswith("emwatch ") or body.startswith(".venv/bin/emwatch "):
            if body.endswith("\\"):
                pending = (number, body[:-1].rstrip())
            else:
                out.append(Snippet(doc, number, body, fenced=True))
        else:
            out += [Snippet(doc, number, m.group(1), fenced=False) for m in re.finditer(r"`([^`]+)`", body)]
    return out


def _paragraphs(lines: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    paras, cur = [], []
    for number, line in lines:
        if line.strip():
            cur.append((number, line))
        elif cur:
            paras.append(cur)
            cur = []
    if cur:
        paras.append(cur)
    return paras


def _tokens(text: str) -> list[str]:
    lex = shlex.shlex(text, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    lex.commenters = "#"
    return list(lex)


def invocations(text: str, program: str) -> list[list[str]]:
    """The argument lists of each `program` invocation in a shell line (several when joined by && or ;)."""
    try:
        tokens = _tokens(text)
    except ValueError:  # an unbalanced quote: prose, not a command
        return []
    found, i = [], 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == program or tok.endswith(f"bin/{program}"):
            args: list[str] = []
            i += 1
            while i < len(tokens) and not OPERATOR.match(tokens[i]):
                args.append(tokens[i])
                i += 1
            if i < len(tokens) and tokens[i][0] in "<>" and args and args[-1].isdigit():
                args.pop()  # the 2 of `2>&1`
            found.append(args)
        i += 1
    return found


def variants(text: str) -> list[str]:
    """The concrete lines a synopsis stands for: with every `[...]` part and with none; each `a|b` alternative;
    `NAME...` given once."""
    text = re.sub(r"(?<=[A-Za-z0-9_])\.\.\.(?=\s|\]|$)", "", text)
    lines = {re.sub(r"[\[\]]", "", text), re.sub(r"\s*\[[^\[\]]*\]", "", text)}
    out: list[str] = []
    alt = re.compile(r"(?<![|\S])([\w.-]+(?:\|[\w.-]+)+)(?![|\S])")
    for line in sorted(lines):
        groups = [m.group(1).split("|") for m in alt.finditer(line)]
        width = max((len(g) for g in groups), default=1)
        for k in range(width):  # the k-th alternative of every group (or its last, where a group is shorter)
            out.append(alt.sub(lambda m: m.group(1).split("|")[min(k, m.group(1).count("|"))], line))
    return out


# -- parsing with emwatch's parser --------------------------------------------------------------------------
@functools.cache
def _cli():
    from emwatch.cli import app

    return get_command(app)


def _sample_value(annotation) -> str | None:
    """A valid command-line value for an option of this type, where a metavariable would not parse."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    kind = args[0] if typing.get_origin(annotation) in (typing.Union, getattr(__import__("types"), "UnionType"))\
        and args else annotation
    if typing.get_origin(kind) is typing.Literal:
        return str(typing.get_args(kind)[0])
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return str(next(iter(kind)).value)
    if kind in (int, float):
        return "1"
    return None


def _resolve_metavars(command, args: list[str], *, complete: bool) -> list[str]:
    """A metavariable given to a number or choice option becomes a valid value of the option's type; in a mention
    (complete=False) an option named last without its value (`emwatch judge --config`) gets one."""
    takes = {name: p for p in command.params if getattr(p, "is_flag", True) is False for name in p.opts}
    out = list(args)
    for i in range(len(out) - 1):
        param = takes.get(out[i])
        if param is not None and METAVAR.match(out[i + 1]):
            value = _sample_value(param.type_descriptor.annotation)
            out[i + 1] = value if value is not None else out[i + 1]
    if not complete and out and out[-1] in takes:
        out.append(_sample_value(takes[out[-1]].type_descriptor.annotation) or "VALUE")
    return out


def parse(args: list[str], *, complete: bool) -> str | None:
    """None when `emwatch ARGS` parses, else the parser's complaint. Nothing runs: each level's context is made
    (options parsed and converted) and the subcommand resolved, but no command is invoked. With complete=False a
    missing required option or argument is allowed (a command named in prose)."""
    command = _cli()
    name = "emwatch"
    parent = None
    try:
        while True:
            ctx = command.make_context(name, _resolve_metavars(command, args, complete=complete), parent=parent)
            rest = [*ctx._protected_args, *ctx.args]
            if not hasattr(command, "resolve_command") or not rest:
                return None
            name, command, args = command.resolve_command(ctx, rest)
            parent = ctx
    except usage.NoArgsIsHelpError:
        return None  # a group named alone (`emwatch monitor`): its help, a fine thing to mention
    except usage.MissingParameter as exc:
        return None if not complete else f"{exc.format_message()} (in `{name}`)"
    except Exit as exc:
        return None if exc.exit_code == 0 else f"exit {exc.exit_code}"
    except usage.UsageError as exc:
        return f"{exc.format_message()} (in `{name}`)"


def check_snippet(snippet: Snippet) -> list[str]:
    """The problems of one snippet's emwatch commands, each naming where it is."""
    problems = []
    for variant in variants(snippet.text):
        for args in invocations(variant, "emwatch"):
            if not args:  # `emwatch` alone, named as the program
                continue
            complaint = parse(args, complete=snippet.fenced)
            if complaint:
                problems.append(f"{snippet.where()}: `emwatch {shlex.join(args)}`: {complaint}")
    return problems


# -- make targets and paths ---------------------------------------------------------------------------------
def make_targets(makefile: Path = ROOT / "Makefile") -> set[str]:
    targets = set()
    for line in makefile.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-/ ]+?)\s*:(?!=)", line)
        if m:
            targets.update(m.group(1).split())
    return targets


def check_make(snippet: Snippet, targets: set[str]) -> list[str]:
    problems = []
    for variant in variants(snippet.text):
        for args in invocations(variant, "make"):
            for word in args:
                if word.startswith("-") or "=" in word:
                    continue
                if word not in targets:
                    problems.append(f"{snippet.where()}: `make {word}`: no such target in the Makefile")
    return problems


SCRIPT = re.compile(r"^(?:benchmarks|tools|scripts)/[\w./-]+\.(?:py|sh)$")


def script_sources(path: str, root: Path = ROOT) -> str | None:
    """The source of a repository script (`benchmarks/x.py`) or module (`tools.datagen`, a package's files joined),
    or None when there is none."""
    file = root / path if "/" in path else root / path.replace(".", "/")
    if file.is_dir():
        return "\n".join(p.read_text() for p in sorted(file.rglob("*.py")))
    if "/" not in path:
        file = file.with_suffix(".py")
    return file.read_text() if file.is_file() else None


def check_scripts(snippet: Snippet, root: Path = ROOT) -> list[str]:
    """Each repository script a snippet runs (`python benchmarks/x.py --flag`, `benchmarks/x.py --flag`,
    `python -m tools.datagen --check`) exists and defines each long option given to it (its source names
    "--flag", as argparse's add_argument does)."""
    problems = []
    for variant in variants(snippet.text):
        try:
            tokens = _tokens(variant)
        except ValueError:
            continue
        for i, tok in enumerate(tokens):
            if SCRIPT.match(tok):
                name = tok
            elif tok == "-m" and i and re.search(r"python[\d.]*$", tokens[i - 1]) and i + 1 < len(tokens) \
                    and tokens[i + 1].split(".")[0] in ("tools", "benchmarks", "scripts"):
                name = tokens[i + 1]
            else:
                continue
            source = script_sources(name, root)
            if source is None:
                problems.append(f"{snippet.where()}: `{name}`: no such script")
                continue
            for arg in itertools.takewhile(lambda a: not OPERATOR.match(a), tokens[i + 1:]):
                flag = arg.split("=", 1)[0]
                if re.match(r"^--[a-z][\w-]*$", flag) and f'"{flag}"' not in source and f"'{flag}'" not in source:
                    problems.append(f"{snippet.where()}: `{name} {flag}`: the script defines no such option")
    return problems


FILE_SUFFIX = re.compile(r"\.(duckdb|yaml|yml|json|jsonl|csv|py|md|gz|parquet|png|svg|html|log|txt)$")


def python_names(text: str) -> list[tuple[int, str]]:
    """Dotted names of emwatch's Python API a doc names: `emwatch.x.y` in its code (spans and blocks), and what
    `from emwatch.x import a, b` lines import (as emwatch.x.a, emwatch.x.b)."""
    found, python = [], False
    for number, line in enumerate(text.splitlines(), 1):
        fence = re.match(r"^\s*```\s*(\w*)", line)
        if fence:
            python = fence.group(1) == "python" and not python
            continue
        m = re.match(r"^\s*from (emwatch(?:\.\w+)*) import ([\w, ]+?)\s*(#.*)?$", line)
        if m:
            found += [(number, f"{m.group(1)}.{n.strip()}") for n in m.group(2).split(",") if n.strip()]
            continue
        code_parts = [line] if python else re.findall(r"`([^`]+)`", line)
        for code in code_parts:
            found += [(number, n) for n in re.findall(r"(?<![\w./-])(emwatch(?:\.[A-Za-z_]\w*)+)", code)
                      if not FILE_SUFFIX.search(n)]
    return found


SRC = ROOT / "src"


def _module_file(parts: list[str]) -> Path | None:
    base = SRC.joinpath(*parts)
    for file in (base.with_suffix(".py"), base / "__init__.py"):
        if file.is_file():
            return file
    return None


@functools.cache
def _top_names(file: Path) -> dict[str, tuple]:
    """A module's top-level names: name -> ("def", node) for functions, classes and assignments, ("from", module
    parts, name) for what it imports from an emwatch module, ("other",) for other imports."""
    import ast

    tree = ast.parse(file.read_text())
    pkg = list(file.relative_to(SRC).with_suffix("").parts)
    if pkg[-1] == "__init__":
        pkg = pkg[:-1]
    else:
        pkg = pkg[:-1]
    names: dict[str, tuple] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = ("def", node)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and getattr(node.value.func, "id", None) == "lazy_exports" and isinstance(node.value.args[1], ast.Dict):
            names.update(_lazy_names(node.value.args[1], pkg if file.name == "__init__.py" else pkg))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                for n in ast.walk(target):
                    if isinstance(n, ast.Name):
                        names[n.id] = ("def", node)
        elif isinstance(node, ast.ImportFrom):
            origin = (pkg[:len(pkg) - node.level + 1] if node.level else []) + (node.module or "").split(".")
            origin = [p for p in origin if p]
            for alias in node.names:
                names[alias.asname or alias.name] = ("from", tuple(origin), alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[(alias.asname or alias.name).split(".")[0]] = ("other",)
    return names


@functools.cache
def _all_names(file: Path) -> set[str]:
    import ast

    body = ast.parse(file.read_text()).body
    dicts = {t.id: node.value for node in body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
             for t in node.targets if isinstance(t, ast.Name)}
    for node in body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            value = node.value
            if isinstance(value, ast.Call) and value.args and getattr(value.args[0], "id", None) in dicts:
                value = dicts[value.args[0].id]  # __all__ = sorted(_LAZY): the names of a dict literal
                return {k.value for k in value.keys if isinstance(k, ast.Constant)}
            try:
                return set(ast.literal_eval(value))
            except ValueError:
                return set()
    return set()


def _lazy_names(mapping, pkg: list[str]) -> dict[str, tuple]:
    """The names of a package's `lazy_exports(__name__, {name: "_module", **dict.fromkeys([...], "_module")})`."""
    import ast

    names: dict[str, tuple] = {}
    for key, value in zip(mapping.keys, mapping.values):
        if key is None and isinstance(value, ast.Call) and len(value.args) == 2:  # **dict.fromkeys([...], "_m")
            listed, module = value.args
            pairs = [(e.value, module.value) for e in getattr(listed, "elts", [])]
        elif isinstance(key, ast.Constant) and isinstance(value, ast.Constant):
            pairs = [(key.value, value.value)]
        else:
            continue
        names.update({name: ("from", (*pkg, module), name) for name, module in pairs})
    return names


def _static_attr(parts: list[str], attrs: list[str], depth: int = 0) -> bool:
    """Whether attrs[0] (then the rest) is defined in module `parts`, following `from emwatch... import` lines, the
    bodies of classes and their bases. False means "not found this way", not "missing"."""
    import ast

    file = _module_file(parts)
    if file is None or depth > 8:
        return False
    if not attrs:
        return True
    if _module_file([*parts, attrs[0]]) is not None:
        return _static_attr([*parts, attrs[0]], attrs[1:], depth + 1)
    names = _top_names(file)
    entry = names.get(attrs[0])
    if entry is None:  # served by the module's own __getattr__ (PEP 562) when its __all__ lists it
        return len(attrs) == 1 and "__getattr__" in names and attrs[0] in _all_names(file)
    if entry[0] == "from":
        return entry[1][:1] == ("emwatch",) and _static_attr(list(entry[1]), [entry[2], *attrs[1:]], depth + 1)
    if len(attrs) == 1:
        return True
    node = entry[1]
    if not isinstance(node, ast.ClassDef) or len(attrs) != 2:
        return False
    members = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    members |= {t.id for n in node.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    members |= {n.target.id for n in node.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    if attrs[1] in members:
        return True
    return any(isinstance(b, ast.Name) and _static_attr(parts, [b.id, attrs[1]], depth + 1) for b in node.bases)


def resolve_name(name: str) -> str | None:
    """None when `name` is an emwatch module or an attribute reachable from one, else why not. Read from the
    source first (fast, nothing imported); a name found no such way (a lazy export, a dynamic attribute) is
    imported."""
    import importlib

    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        if _module_file(parts[:i]) is not None:
            if _static_attr(parts[:i], parts[i:]):
                return None
            break
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError as exc:
            if exc.name and ".".join(parts[:i]).startswith(exc.name):
                continue  # not a module: an attribute of the shorter prefix
            return f"importing {'.'.join(parts[:i])}: {exc}"
        for j, attr in enumerate(parts[i:], i):
            if not hasattr(obj, attr):
                return f"{'.'.join(parts[:j])} has no attribute {attr!r}"
            obj = getattr(obj, attr)
        return None
    return "no such module"


def doc_paths(text: str) -> list[tuple[int, str]]:
    """Repository paths named anywhere in a doc (prose, code, blocks), with their line."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for m in PATH.finditer(line):
            path = m.group(1).rstrip(".")
            found.append((number, path))
    return found


def check_path(path: str, root: Path = ROOT) -> bool:
    if path in NOT_PATHS:
        return True
    if any(ch in path for ch in "*{}<>"):  # a glob, or a pattern whose {name} / <name> parts stand for names
        pattern = re.sub(r"\{[^}]*\}|<[^>]*>", "*", path)
        return bool(glob.glob(str(root / pattern)))
    return (root / path).exists()


# -- the checks ---------------------------------------------------------------------------------------------
def _doc_id(doc: Path) -> str:
    return str(doc.relative_to(ROOT))


@pytest.fixture(scope="module")
def all_snippets() -> dict[str, list[Snippet]]:
    return {_doc_id(doc): snippets(doc.read_text(), _doc_id(doc)) for doc in DOCS}


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_emwatch_command_in_the_docs_parses(doc, all_snippets):
    problems = [p for s in all_snippets[_doc_id(doc)] for p in check_snippet(s)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_make_target_in_the_docs_exists(doc, all_snippets):
    targets = make_targets()
    problems = [p for s in all_snippets[_doc_id(doc)] for p in check_make(s, targets)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_repository_path_in_the_docs_exists(doc):
    missing = [f"{_doc_id(doc)}:{n}: {p}" for n, p in doc_paths(doc.read_text()) if not check_path(p)]
    assert not missing, "missing paths:\n" + "\n".join(missing)


def _help_texts():
    """(command path, its --help text) for every command and group of the CLI."""
    def walk(command, path):
        yield " ".join(path), command.help or ""
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])
    return list(walk(_cli(), ["emwatch"]))


def test_every_example_in_the_commands_help_parses():
    """`emwatch X --help` is documentation too: each example line in it (a line that begins with `emwatch `) parses
    completely, and the repository paths it names exist."""
    problems, examples = [], 0
    for where, text in _help_texts():
        for line in text.splitlines():
            if not line.strip().startswith("emwatch "):
                continue
            examples += 1
            problems += check_snippet(Snippet(f"`{where} --help`", 0, line.strip(), fenced=True))
            problems += [f"`{where} --help`: missing path {p}" for _, p in doc_paths(line) if not check_path(p)]
    assert examples >= 5, examples  # the walk reaches the commands' help
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("config", CONFIGS, ids=_doc_id)
def test_every_command_and_path_in_the_config_comments_holds(config):
    text = config.read_text()
    problems = [p for s in yaml_snippets(text, _doc_id(config)) for p in check_snippet(s)]
    problems += [f"{_doc_id(config)}:{n}: missing path {p}" for n, p in doc_paths(text) if not check_path(p)]
    assert not problems, "\n".join(problems)


def yaml_blocks(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each ```yaml block."""
    blocks, start, body = [], None, []
    for number, line in enumerate(text.splitlines(), 1):
        if start is None and re.match(r"^\s*```yaml\s*$", line):
            start, body = number + 1, []
        elif start is not None and line.strip().startswith("```"):
            blocks.append((start, "\n".join(body)))
            start = None
        elif start is not None:
            body.append(line)
    return blocks


def _config_models() -> dict[str, type]:
    from emwatch.config import AnalyzeConfig, JudgeConfig, MonitorConfig, SampleConfig, TrainConfig

    return {"sample": SampleConfig, "judge": JudgeConfig, "analyze": AnalyzeConfig, "monitor": MonitorConfig,
            "recipe": TrainConfig}


def check_yaml_blocks(text: str, doc: str, tmp: Path) -> list[str]:
    """Each ```yaml block is YAML; one that names its file in its first line (`# judge.yaml`, `# recipe.yaml`, ...)
    loads with that config's loader (unknown keys and wrong types fail). `<...>` placeholders become strings."""
    import yaml

    from emwatch.config import load_config

    problems = []
    for line, block in yaml_blocks(text):
        block = re.sub(r"<[^>]+>", "placeholder", block)
        try:
            yaml.safe_load(block)
        except yaml.YAMLError as exc:
            problems.append(f"{doc}:{line}: not YAML: {exc}")
            continue
        named = re.match(r"^#\s*([a-z]+)\.yaml\b", block)
        if named and named.group(1) in _config_models():
            path = tmp / f"{named.group(1)}.yaml"
            path.write_text(block)
            try:
                load_config(_config_models()[named.group(1)], path)
            except Exception as exc:  # noqa: BLE001 - reported with the block's place
                problems.append(f"{doc}:{line}: {named.group(1)}.yaml: {exc}")
    return problems


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_yaml_block_in_the_docs_loads(doc, tmp_path):
    problems = check_yaml_blocks(doc.read_text(), _doc_id(doc), tmp_path)
    assert not problems, "\n".join(problems)


def test_a_yaml_block_with_an_unknown_key_or_bad_yaml_fails(tmp_path):
    text = "x\n```yaml\n# judge.yaml\nbackend: {kind: openai, model: m}\ncoherence: sometimes\n```\n"
    problems = check_yaml_blocks(text, "d.md", tmp_path)
    assert len(problems) == 1 and problems[0].startswith("d.md:3: judge.yaml: ") and "coherence" in problems[0]
    assert check_yaml_blocks(text.replace("sometimes", "if_unaligned"), "d.md", tmp_path) == []
    assert check_yaml_blocks("```yaml\na: [1\n```\n", "d.md", tmp_path)[0].startswith("d.md:2: not YAML")


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_python_name_in_the_docs_exists(doc):
    """`emwatch.analysis.name` in the docs' code, and `from emwatch.x import name` in their examples, resolve."""
    problems = [f"{_doc_id(doc)}:{n}: {name}: {why}" for n, name in python_names(doc.read_text())
                if (why := resolve_name(name))]
    assert not problems, "\n".join(problems)


def test_python_name_check_catches_a_moved_name():
    names = python_names("See `emwatch.store.content_key` and `emwatch.store.simulate_study(s)`.\n"
                         "from emwatch.store import Store, Nope\n`demo_out/emwatch.duckdb`\n")
    assert [n for _, n in names] == ["emwatch.store.content_key", "emwatch.store.simulate_study",
                                     "emwatch.store.Store", "emwatch.store.Nope"]
    assert [resolve_name(n) is None for _, n in names] == [True, False, True, False]
    assert resolve_name("emwatch.nosuchpackage.x") is not None


@pytest.mark.parametrize("doc", DOCS, ids=_doc_id)
def test_every_repository_script_in_the_docs_takes_its_options(doc, all_snippets):
    problems = [p for s in all_snippets[_doc_id(doc)] for p in check_scripts(s)]
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
            problems += [f"{_doc_id(doc)}: extra {e!r} is not in pyproject.toml" for e in group.split(",")
                         if e not in extras]
        for var in set(re.findall(r"\bEMWATCH_[A-Z_]+\b", text)):
            seen += 1
            if var not in code:
                problems.append(f"{_doc_id(doc)}: {var} is read nowhere in the code")
    assert seen > 5 and not problems, problems


@pytest.mark.parametrize("stage", ["sample", "judge", "analyze"])
def test_the_stage_configs_the_readme_points_to_load(stage):
    """configs/stages/*.yaml, the commented examples a newcomer starts from (`emwatch judge --config
    configs/stages/judge.yaml`), load with their stage's loader: no stale key, no wrong type."""
    from emwatch.config import load_config

    path = ROOT / "configs" / "stages" / f"{stage}.yaml"
    assert load_config(_config_models()[stage], path) is not None
    if stage == "judge":  # the open-weight judge recipe (docs/judges.md) is a judge config too
        assert load_config(_config_models()["judge"], ROOT / "configs" / "judges" / "open-weight-vllm.yaml")


def table_names(text: str, header: str) -> set[str]:
    """The code names in the first column of the markdown table whose header row starts with `| header |`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    names = set()
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        names.update(re.findall(r"`([^`]+)`", line.split("|")[1]))
    return names


def test_the_docs_tables_of_registered_names_are_complete():
    """The docs' tables of wrappers, analysis views and early-stopping policies name exactly what is registered."""
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
                 "nice -n 19 .venv/bin/emwatch status -s s.duckdb -f json | jq . && emwatch monitor"]:
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
