"""Python names the docs give (`emwatch.analysis.analysis_table` in their code, `from emwatch.store import Store`
in their examples), resolved against the source: read with `ast` (nothing imported, so the check stays fast),
following `from emwatch... import` lines, classes and their bases and the packages' lazy exports; a name found no
such way is imported, and only a name that import cannot reach either is reported."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from docs_check import FILE_SUFFIX, SRC


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
