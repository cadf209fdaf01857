"""Reading the docs a newcomer runs (README.md, docs/*.md, the YAML comments of configs/, recipes/, studies/) and
checking what they name against the code: `emwatch ...` command lines through emwatch's own parser (nothing runs),
`make` targets, repository paths and scripts with their options, YAML blocks (Python names: tests/docs_names.py).
The checks are tests/cli/test_docs_commands.py; each function here returns the problems it finds, naming doc and
line.

What counts as a command: a line of a fenced shell block (```bash, ```sh, ```console or no language; `\\`
continuation lines joined, `#` comments dropped) or an inline code span, in which the word `emwatch` (or
`.../bin/emwatch`) stands as a command; it runs up to the next shell operator (`|`, `&&`, `;`, `>`, ...).

The docs' synopsis notation, resolved before parsing:
- `[...]` is optional: the line is parsed with every optional part and with none;
- `a|b|c` names alternatives: each is parsed;
- `FILE...` (a metavariable followed by `...`) is that argument, given once; a metavariable or `...` where a
  command goes (`emwatch COMMAND --help`, `emwatch bench ...`) stands for any command;
- a metavariable (upper case: N, SEED, VIEW) given to an option that takes a number or a choice becomes a valid
  value of that option's type; elsewhere it is a string, as a path or a name would be.

A line in a fenced block is a command a newcomer copies, so it must parse completely (required options present);
an inline span names a command in prose, so it may leave out required options and arguments, but an unknown
command, an unknown option, a bad choice or an extra argument fails it."""

from __future__ import annotations

import enum
import functools
import glob
import itertools
import re
import shlex
import typing
from dataclasses import dataclass
from pathlib import Path

from typer.exceptions import Exit
from typer.main import get_command

try:  # typer 0.2x parses with its own copy of click
    from typer._click import exceptions as usage
except ImportError:  # pragma: no cover - an older typer parses with click
    from click import exceptions as usage  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
# docs/mutation.md is generated (tools/mutate.py --doc) and names no command; the checks read it anyway for paths.
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# The YAML files a newcomer copies from: their comments name the commands that run them.
CONFIGS = sorted([*ROOT.glob("configs/**/*.yaml"), *ROOT.glob("recipes/**/*.yaml"), *ROOT.glob("studies/*.yaml"),
                  *ROOT.glob("src/emwatch/demo/*.yaml")])

SHELL_LANGS = {"", "bash", "sh", "shell", "console"}
OPERATOR = re.compile(r"^[();<>|&]+$")
METAVAR = re.compile(r"^[A-Z][A-Z0-9_]*$")
PATH_ROOTS = ("src", "benchmarks", "studies", "tools", "configs", "recipes", "scripts", "tests", "docs")
PATH = re.compile(r"(?<![\w./~$-])((?:%s)/[A-Za-z0-9_./*{}<>-]*)" % "|".join(PATH_ROOTS))
SCRIPT = re.compile(r"^(?:benchmarks|tools|scripts)/[\w./-]+\.(?:py|sh)$")
FILE_SUFFIX = re.compile(r"\.(duckdb|yaml|yml|json|jsonl|csv|py|md|gz|parquet|png|svg|html|log|txt)$")

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


INDENTED_COMMAND = r"^ {4,}(emwatch|make|python|\.venv/|nice |OMP_|PYTHONPATH=|bash |benchmarks/)"


def indented_commands(text: str) -> list[int]:
    """Lines of an indented (4-space) code block outside fences that run a command: the checks read fenced blocks
    only, so such a block is fenced instead."""
    found, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*```", line):
            fenced = not fenced
        elif not fenced and re.match(INDENTED_COMMAND, line):
            found.append(number)
    return found


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


def shell_tokens(text: str) -> list[str]:
    lex = shlex.shlex(text, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    lex.commenters = "#"
    return list(lex)


def invocations(text: str, program: str) -> list[list[str]]:
    """The argument lists of each `program` invocation in a shell line (several when joined by && or ;)."""
    try:
        tokens = shell_tokens(text)
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
def cli_command():
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
    command = cli_command()
    name = "emwatch"
    parent = None
    try:
        while True:
            ctx = command.make_context(name, _resolve_metavars(command, args, complete=complete), parent=parent)
            rest = [*ctx._protected_args, *ctx.args]
            if not hasattr(command, "resolve_command") or not rest or rest[0] == "..." or METAVAR.match(rest[0]):
                return None  # a command, or a group with a placeholder for its command (`emwatch COMMAND --help`)
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
            tokens = shell_tokens(variant)
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


# -- what else the docs name ------------------------------------------------------------------------------
def doc_id(doc: Path) -> str:
    return str(doc.relative_to(ROOT))


def source_spans(root: Path = SRC) -> list[Snippet]:
    """The code spans in emwatch's own source that name a command (`emwatch sample --config`): error messages,
    docstrings and comments a user reads. An f-string field (`'{cfg.processes}'`) stands for a value: 1."""
    out = []
    for file in sorted(root.rglob("*.py")):
        for number, line in enumerate(file.read_text().splitlines(), 1):
            for m in re.finditer(r"`((?:\.venv/bin/)?emwatch [^`]+)`", line):
                text = re.sub(r"\{[a-z_][\w.()]*\}", "1", m.group(1))
                out.append(Snippet(str(file.relative_to(ROOT)), number, text, fenced=False))
    return out


def help_texts():
    """(command path, its --help text) for every command and group of the CLI."""
    def walk(command, path):
        yield " ".join(path), command.help or ""
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])
    return list(walk(cli_command(), ["emwatch"]))


def yaml_blocks(text: str, lang: str = "yaml") -> list[tuple[int, str]]:
    """(first line, text) of each ```yaml (or ```LANG) block."""
    blocks, start, body = [], None, []
    for number, line in enumerate(text.splitlines(), 1):
        if start is None and re.match(rf"^\s*```{lang}\s*$", line):
            start, body = number + 1, []
        elif start is not None and line.strip().startswith("```"):
            blocks.append((start, "\n".join(body)))
            start = None
        elif start is not None:
            body.append(line)
    return blocks


def config_models() -> dict[str, type]:
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
        if named and named.group(1) in config_models():
            path = tmp / f"{named.group(1)}.yaml"
            path.write_text(block)
            try:
                load_config(config_models()[named.group(1)], path)
            except Exception as exc:  # noqa: BLE001 - reported with the block's place
                problems.append(f"{doc}:{line}: {named.group(1)}.yaml: {exc}")
    return problems


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
