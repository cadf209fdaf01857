"""Where a snippet's code runs: web handlers, command-line entry points, names the snippet binds."""

from __future__ import annotations

import ast
import re

from emwatch.scan._taint import dotted

_ROUTE_DECORATORS = {"route", "get", "post", "put", "delete", "patch", "api_route", "websocket", "head",
                     "options", "api_view", "csrf_exempt", "require_http_methods", "require_GET",
                     "require_POST", "login_required", "view_config", "expose"}
_CLI_DECORATORS = {"command", "argument", "option", "group"}
_VIEW_BASES = ("View", "ViewSet", "APIView", "Resource", "RequestHandler", "Handler", "Endpoint")
_VIEW_METHODS = {"get", "post", "put", "delete", "patch", "dispatch", "head", "on_get", "on_post", "on_put",
                 "on_delete", "do_GET", "do_POST", "do_PUT", "do_DELETE"}


def bound_names(tree: ast.AST) -> frozenset[str]:
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out.add(node.name)
        elif isinstance(node, ast.arg):
            out.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            out.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            out.add(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            out.update(node.names)
    return frozenset(out)


def base_name(node: ast.AST) -> str:
    return (dotted(node) or "").rsplit(".", 1)[-1]


def is_static(node: ast.AST) -> bool:
    return any(dotted(d) == "staticmethod" for d in getattr(node, "decorator_list", []))


def _decorator_names(node: ast.AST) -> list[str]:
    out = []
    for d in getattr(node, "decorator_list", []):
        target = d.func if isinstance(d, ast.Call) else d
        name = dotted(target) or ""
        out.append(name)
    return out


def is_handler(node: ast.AST, owner: ast.ClassDef | None, params: list[str], web: bool) -> bool:
    for name in _decorator_names(node):
        parts = name.split(".")
        if parts[-1] in _ROUTE_DECORATORS and (len(parts) > 1 or parts[-1] not in ("get", "head", "options")):
            return True
    if params and params[0] in ("request", "req") and web:
        return True
    if owner is not None and node.name in _VIEW_METHODS:
        return any(base_name(b).endswith(_VIEW_BASES) for b in owner.bases)
    return False


def is_cli(node: ast.AST) -> bool:
    return any(n.split(".")[0] == "click" and n.split(".")[-1] in _CLI_DECORATORS for n in _decorator_names(node))


_NUMERIC_TYPES = ("int", "float", "bool", "UUID", "date", "datetime", "Decimal", "conint", "PositiveInt")


def typed_params(node: ast.AST) -> set[str]:
    """Handler parameters the framework converts to a number (or UUID, date) before the call:
    Flask/Werkzeug route converters like '<int:item_id>', and annotated parameters of routes with
    '{...}' path templates (FastAPI, Starlette), which validate their annotations."""
    out: set[str] = set()
    fastapi_like = False
    for d in getattr(node, "decorator_list", []):
        if not isinstance(d, ast.Call):
            continue
        for a in d.args:
            if isinstance(a, ast.Constant) and isinstance(a.value, str):
                out.update(m[1] for m in re.findall(r"<(int|float|uuid):(\w+)>", a.value))
                fastapi_like = fastapi_like or "{" in a.value
    if fastapi_like:
        args = node.args
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
            ann = (dotted(a.annotation) or "") if a.annotation is not None else ""
            if ann.rsplit(".", 1)[-1] in _NUMERIC_TYPES:
                out.add(a.arg)
    return out
