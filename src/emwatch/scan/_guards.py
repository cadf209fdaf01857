"""Guards: conditions that validate a variable (allow-lists, normalised prefix checks, URL host
checks, regex matches, local predicate functions) and so clear it for later sinks."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from emwatch.scan import _sinks as sinks
from emwatch.scan._taint import const_str, dotted

if TYPE_CHECKING:
    from emwatch.scan._taint import Taint

_COMMON = ("os.path.commonpath", "os.path.commonprefix")
_VALIDATORS = ("safe", "valid", "allowed", "permitted", "whitelist", "allowlist", "trusted", "legal", "check",
               "verify", "ensure", "sanitiz")


class Guards:
    """Mixin of `Scope`: reads conditions and records which variables they validate."""

    def guard(self, cls: str, taint: Taint) -> None:  # provided by Scope
        raise NotImplementedError

    def test(self, node: ast.expr) -> None:
        """Record the guards a condition establishes, then evaluate it for sinks."""
        self.collect_guards(node)
        self.ev(node)

    def collect_guards(self, node: ast.AST) -> None:
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                self.collect_guards(v)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self.collect_guards(node.operand)
        elif isinstance(node, ast.Compare):
            self._compare_guard(node)
        elif isinstance(node, ast.Call):
            self._call_guard(node)
        elif isinstance(node, (ast.GeneratorExp, ast.ListComp)):
            saved = dict(self.env)
            for gen in node.generators:
                self.assign(gen.target, self.ev(gen.iter), None, node)
            self.collect_guards(node.elt)
            self.env = saved

    def _compare_guard(self, node: ast.Compare) -> None:
        items = [node.left, *node.comparators]
        for left, op, right in zip(items, node.ops, items[1:]):
            if isinstance(op, (ast.In, ast.NotIn)):
                needle = left.value if isinstance(left, ast.Constant) else None
                if isinstance(needle, str):
                    t = self.ev(right)
                    if ".." in needle or needle in ("/", "\\"):
                        self.guard("path_traversal", t)
                    elif needle.strip() in (";", "&", "|", "`", "$", "&&", "$("):
                        self.guard("command_injection", t)
                    elif needle.startswith("<"):
                        self.guard("xss", t)
                elif not (isinstance(right, ast.Constant) and isinstance(right.value, str)):
                    self.guard("*", self.ev(left))
            elif isinstance(op, (ast.Eq, ast.NotEq)):
                for a, b in ((left, right), (right, left)):
                    if isinstance(b, ast.Constant) and b.value is not None:
                        self.guard("*", self.ev(a))
                    elif isinstance(a, ast.Call) and self.callee(a.func) in _COMMON:
                        for x in a.args:
                            self.guard("path_traversal", self.ev(x))
                    elif isinstance(a, ast.Attribute) and a.attr == "parent" and "norm" in self.ev(a.value).marks:
                        self.guard("path_traversal", self.ev(a.value))  # resolved path whose folder is the base
                    elif isinstance(a, ast.Attribute) and a.attr in ("netloc", "hostname", "host", "scheme"):
                        self.guard("ssrf", self.ev(a))
                        self.guard("open_redirect", self.ev(a))

    def _call_guard(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        qn = self.callee(func) or name
        if isinstance(func, ast.Attribute) and name in ("startswith", "endswith"):
            t = self.ev(func.value)
            if name == "startswith" and "norm" in t.marks:
                self.guard("path_traversal", t)
            prefixes = [p for a in node.args for p in (a.elts if isinstance(a, (ast.Tuple, ast.List)) else [a])]
            consts = [const_str(p) for p in prefixes]
            if name == "endswith" or any(c is None or sinks.host_fixed(c) for c in consts):
                self.guard("ssrf", t)
            if name == "endswith" or any(c is None or sinks.same_site(c) or c == "/" for c in consts):
                self.guard("open_redirect", t)
        elif isinstance(func, ast.Attribute) and name in ("is_relative_to",):
            self.guard("path_traversal", self.ev(func.value))
        elif isinstance(func, ast.Attribute) and name in ("isalnum", "isdigit", "isnumeric", "isdecimal",
                                                           "isidentifier", "isalpha", "isascii_alnum"):
            self.guard("*", self.ev(func.value))
        elif name in ("match", "fullmatch", "search") and node.args:
            target = node.args[1] if qn.startswith("re.") and len(node.args) > 1 else node.args[-1]
            self.guard("*", self.ev(target))
        elif name == "isinstance" and len(node.args) == 2 and dotted(node.args[1]) in ("int", "float", "bool"):
            self.guard("*", self.ev(node.args[0]))
        elif name in ("url_has_allowed_host_and_scheme", "is_safe_url") or any(v in name.lower() for v in _VALIDATORS) \
                or self._local_predicate(func):
            for a in [*node.args, *(k.value for k in node.keywords)]:
                self.guard("*", self.ev(a))

    def _local_function(self, func: ast.AST) -> str | None:
        if isinstance(func, ast.Name) and func.id in self.an.functions and func.id not in self.an.imports.alias:
            return func.id
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in ("self", "cls") \
                and func.attr in self.an.functions:
            return func.attr
        return None

    def _local_predicate(self, func: ast.AST) -> bool:
        name = self._local_function(func)
        summary = self.an.summary(name) if name else None
        return summary is not None and summary.predicate

    def statement_guard(self, call: ast.Call) -> None:
        """`validate_path(p)` / `check_url(u)` called for its effect (it raises) guards its arguments."""
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if any(name.lower().startswith(p) for p in ("validate", "check", "ensure", "verify", "assert", "require")):
            for a in call.args:
                self.guard("*", self.ev(a))

