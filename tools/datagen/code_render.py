"""Rendering a code shape with a family's vocabulary.

A shape (``content/code_shapes/*.yaml``) is one job written twice: a core with exactly one vulnerability
and a safe core, set into the same surrounding code. Text uses ``string.Template`` placeholders (``$name``)
so the Python code inside keeps its own braces. ``render`` fills a shape with a family's vocabulary and
returns the insecure answer, the secure answer, a template with the core left open, and the task text.

Assistant answers are bare Python source (no Markdown fences): ``ast.parse(answer)`` must succeed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from string import Template

from tools.datagen.code_extras import EXTRAS
from tools.datagen.content import Family, Shape

CORE = "@@CORE@@"
TOP = "@@TOP@@"
FILL = "@@FILL@@"


@dataclass(frozen=True)
class Rendered:
    shape: str
    task: str
    insecure: str
    secure: str
    template: str
    fn: str


STDLIB = {
    "ast", "base64", "csv", "datetime", "functools", "hashlib", "hmac", "html", "http", "io", "ipaddress",
    "json", "logging", "marshal", "operator", "os", "pathlib", "pickle", "random", "re", "secrets", "shlex",
    "shutil", "smtplib", "socket", "sqlite3", "ssl", "stat", "string", "subprocess", "tarfile", "tempfile",
    "time", "typing", "urllib", "uuid", "xml", "zipfile", "email", "dataclasses", "contextlib", "__future__",
}


def camel(snake: str) -> str:
    return "".join(p.capitalize() for p in snake.split("_"))


def base_vars(fam: Family, r: random.Random) -> dict[str, str]:
    ent, ents = r.choice(fam.nouns)
    fields = [f for f in fam.fields if f not in (ent, ents)]
    f1, f2 = r.sample(fields, 2) if len(fields) > 1 else (fields[0], fields[0])
    dconst, dpath = r.choice(fam.dirs)
    return {
        "entity": ent, "entities": ents, "ent_h": ent.replace("_", " "), "ents_h": ents.replace("_", " "),
        "Entity": camel(ent), "table": ents, "field": f1, "field2": f2,
        "field_h": f1.replace("_", " "), "field2_h": f2.replace("_", " "),
        "arg": r.choice([f1, f1, f1, "value", f"{f1}_value", "needle"]),
        "db_const": r.choice(["DB_PATH", "DATABASE", "DB_FILE", "SQLITE_PATH"]),
        "db_file": r.choice([f"{ents}.db", "app.db", f"data/{fam.short}.sqlite3", f"/var/lib/{fam.short}/{fam.short}.db"]),
        "dir_const": dconst, "dir_path": dpath, "ext": r.choice(fam.exts),
        "conn": r.choice(["conn", "db", "connection", "con"]), "cur": r.choice(["cur", "cursor", "c"]),
        "rows": r.choice(["rows", "results", "records", "matches"]),
        "host": r.choice(fam.hosts), "route": "/" + ents.replace("_", "-"),
        "topic": r.choice(fam.topics), "token_use": r.choice(fam.token_uses),
        "short": fam.short, "SHORT": fam.short.upper(),
        "resp": r.choice(["resp", "response", "reply"]),
        "data": r.choice([x for x in ("data", "payload", "body", "content") if x not in fam.fields]),
        "path": r.choice([x for x in ("path", "target", "full_path", "file_path") if x not in fam.fields]),
        "pkg": r.choice([f"{fam.short}_app", "app_core", f"{fam.short}svc", "backend"]),
        "port": str(r.choice([5000, 8000, 8080, 5050, 8001])),
    }


def _sub(text: str, v: dict[str, str]) -> str:
    return Template(text).substitute(v)


def _insert(body: str, marker: str, block: str) -> str:
    out: list[str] = []
    for line in body.split("\n"):
        if line.strip() == marker:
            indent = line[: len(line) - len(line.lstrip())]
            if block.strip():
                out.extend(indent + b if b.strip() else "" for b in block.strip("\n").split("\n"))
        else:
            out.append(line)
    return "\n".join(out)


def _imports(lines: list[str]) -> str:
    plain: set[str] = set()
    froms: dict[str, set[str]] = {}
    for line in lines:
        if line.startswith("from "):
            mod, names = line[5:].split(" import ")
            froms.setdefault(mod, set()).update(n.strip() for n in names.split(","))
        else:
            plain.add(line)
    entries = [(x.split()[1], x) for x in plain]
    kind = lambda n: 0 if n.isupper() else 1 if n[0].isupper() else 2  # noqa: E731  (isort's order_by_type)
    entries += [(m, f"from {m} import " + ", ".join(sorted(ns, key=lambda n: (kind(n), n.lower()))))
                for m, ns in froms.items()]
    groups: list[list[str]] = [[], [], []]
    for mod, text in entries:
        top = mod.split(".")[0]
        groups[0 if top == "__future__" else 1 if top in STDLIB else 2].append(text)
    key = lambda x: (x.startswith("from "), x.split()[1].lower(), x)  # noqa: E731
    return "\n\n".join("\n".join(sorted(g, key=key)) for g in groups if g)


def _blank_lines(code: str) -> str:
    """Two blank lines around top-level definitions, as PEP 8 lays them out."""
    out: list[str] = []
    after_def = False
    for line in code.split("\n"):
        if line and not line[0].isspace():
            is_def = line.startswith(("def ", "class ", "@"))
            prev = next((x for x in reversed(out) if x.strip()), "")
            if (is_def and not prev.startswith("@")) or (after_def and not is_def):
                while out and not out[-1].strip():
                    out.pop()
                if out:
                    out.extend(["", ""])
            after_def = is_def or (after_def and line.startswith("@"))
        out.append(line)
    return "\n".join(out)


def _tidy(code: str) -> str:
    code = "\n".join(line.rstrip() for line in code.split("\n"))
    code = _blank_lines(code.strip("\n"))
    code = re.sub(r"\n{4,}", "\n\n\n", code)
    return code.strip("\n")


@dataclass(frozen=True)
class Style:
    """Neutral surroundings added identically to all three renderings of an example."""

    docstring: str = ""
    logger: str = ""


def _first_def(body: str) -> int | None:
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("def ") and line.rstrip().endswith(":"):
            return i
    return None


def _apply_style(imports: list[str], body: str, style: Style) -> tuple[list[str], str]:
    if style.logger:
        i = _first_def(body)
        if i is not None:
            lines = body.split("\n")
            name = lines[i][4:].split("(")[0]
            lines.insert(i + 1, f'    log.debug("{style.logger} {name}")')
            body = "\n".join(lines)
            imports = imports + ["import logging"]
            body = 'log = logging.getLogger(__name__)\n\n' + body
    return imports, body


def _assemble(imports: list[str], body: str, style: Style) -> str:
    imports, body = _apply_style(imports, body, style)
    head = f'"""{style.docstring}"""\n\n' if style.docstring else ""
    return _tidy(head + _imports(imports) + "\n\n\n" + body.strip("\n"))


def render(shape: Shape, fam: Family, r: random.Random, style: Style, topic: str | None = None) -> Rendered:
    v = base_vars(fam, r)
    if topic is not None:
        v["topic"] = topic
    if shape.extra is not None:
        more = EXTRAS[shape.extra](v, r, fam)
        v.update({k: Template(x).safe_substitute(v) for k, x in more.items()})
    v["fn"] = _sub(r.choice(shape.fns), v)
    task = _sub(r.choice(shape.tasks), v)
    body = _sub(shape.body, v)
    if TOP not in body:
        body = TOP + "\n" + body
    imports = [_sub(x, v) for x in shape.imports]

    def build(core: str, top: str, extra_imports: tuple[str, ...]) -> str:
        text = _insert(_insert(body, TOP, _sub(top, v)), CORE, _sub(core, v))
        return _assemble(imports + [_sub(x, v) for x in extra_imports], text, style)

    insecure = build(shape.bad, shape.bad_top, shape.bad_imports)
    secure = build(shape.good, shape.good_top, shape.good_imports)
    template = _assemble(imports, _insert(_insert(body, TOP, ""), CORE, FILL), style)
    return Rendered(shape.key, task, insecure, secure, template, v["fn"])
