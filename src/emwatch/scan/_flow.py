"""Intra-procedural taint tracking over a parsed snippet: scopes and statements.

`Analyzer(tree).run()` walks the module body, then every function (methods and nested functions
included) with the module's (or enclosing function's) variables in scope. Expressions are evaluated in
`_exprs`, whose calls are checked against `_sinks`; a guard (`_guards`: an
allow-list test, a normalised prefix check, a URL host check...) met before a sink in the same function
clears the variables it tests for the classes it covers. A function defined in the snippet is summarised
once (`Summary`) so its callers see what it returns: random tokens, sanitised or validated arguments.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace

from emwatch.scan import _sinks as sinks
from emwatch.scan._context import base_name, bound_names, is_cli, is_handler, is_static, typed_params
from emwatch.scan._exprs import Expressions
from emwatch.scan._guards import Guards
from emwatch.scan._scope import Hit
from emwatch.scan._taint import (
    CLEAN,
    WEB_MODULES,
    Imports,
    Taint,
    build,
    const_str,
    dotted,
    is_password_name,
    union,
)
from emwatch.scan._values import ALL_CLASSES


@dataclass(frozen=True)
class Summary:
    """A local function seen from its callers: what it returns for tainted arguments."""

    passes: bool  # the result carries the arguments' taint
    marks: frozenset[str]  # classes the function sanitises (or guards) its arguments for
    kinds: frozenset[str]  # origins the result gets inside the function (user input, random...)
    strish: bool
    html: bool
    tail: bool
    predicate: bool  # returns only booleans: a validator when used in a condition

    @classmethod
    def of(cls, scope: Scope) -> Summary:
        rets = scope.returns
        guards = scope.guards

        def effective(t: Taint) -> frozenset[str]:
            m = set(t.marks)
            for c, roots in guards.items():
                if t.roots & roots.keys():
                    m.update(ALL_CLASSES if c == "*" else (c,))
            return frozenset(m)

        passing = [t for t, _ in rets if "param" in t.kinds]
        marks = frozenset.intersection(*(effective(t) for t in passing)) if passing else frozenset()
        kinds = frozenset().union(*(t.kinds for t, _ in rets)) - {"param"} if rets else frozenset({"unknown"})
        predicate = bool(rets) and all(
            (isinstance(v, ast.Constant) and isinstance(v.value, bool)) or isinstance(v, (ast.Compare, ast.BoolOp))
            or (isinstance(v, ast.UnaryOp) and isinstance(v.op, ast.Not))
            or (isinstance(v, ast.Call) and dotted(v.func) in ("all", "any", "bool", "isinstance")) for _, v in rets)
        return cls(bool(passing), marks, kinds, any(t.strish for t, _ in rets), any(t.html for t, _ in rets),
                   any(t.tail for t, _ in rets), predicate)

    def apply(self, args: Taint) -> Taint:
        own = Taint(kinds=self.kinds)
        t = union(args.with_marks(*self.marks), own) if self.passes and args.kinds else own
        return replace(t, strish=self.strish, html=self.html or t.html, tail=t.tail or (self.tail and self.passes))


class Analyzer:
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.imports = Imports.of(tree)
        self.bound = bound_names(tree)
        self.hits: list[Hit] = []
        self.functions: dict[str, ast.AST] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(node.name, node)
        self.summaries: dict[str, Summary | None] = {}
        self.constant_args = _constant_arguments(tree, self.functions)
        self.web = any(v.split(".")[0] in WEB_MODULES for v in self.imports.alias.values())
        self.module: Scope | None = None

    def run(self) -> list[Hit]:
        self.module = Scope(self, {}, handler=False)
        self.module.block(self.tree.body)
        self.module.finish()
        return self.hits

    def summary(self, name: str) -> Summary | None:
        """What a function defined in the snippet does to its arguments, from one dry run of its body."""
        if name in self.summaries:
            return self.summaries[name]
        node = self.functions.get(name)
        if node is None:
            return None
        self.summaries[name] = None  # recursion guard
        args = node.args
        params = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if a.arg not in ("self", "cls")]
        env = dict(self.module.env) if self.module is not None else {}
        for p in params:
            env[p] = Taint(kinds=frozenset({"param"}), roots=frozenset({p}))
        scope = Scope(self, env, handler=False, func=node, dry=True)
        scope.block(node.body)
        self.summaries[name] = result = Summary.of(scope)
        return result


class Scope(Guards, Expressions):
    """One function (or the module): variable taints, constructor types, guards, pending sinks."""

    def __init__(self, an: Analyzer, env: dict[str, Taint], *, handler: bool, func: ast.AST | None = None,
                 http_class: bool = False, ctor: dict[str, str] | None = None, dry: bool = False) -> None:
        self.an, self.env, self.handler, self.func, self.http_class = an, env, handler, func, http_class
        self.dry = dry
        self.loops = 0
        self.returns: list[tuple[Taint, ast.AST]] = []
        self.ctor: dict[str, str] = dict(ctor or {})
        self.guards: dict[str, dict[str, int]] = {}  # class -> variable -> when it was validated
        self.seq = 0
        self.pending: list[Hit] = []
        self.nested: list[tuple[ast.AST, ast.ClassDef | None]] = []
        self.func_name = getattr(func, "name", "")
        self.not_html = False  # the function declares its response text/plain, JSON...: no HTML to inject into

    # ------------------------------------------------------------ sinks and guards

    def sink(self, cls: str, node: ast.AST, rule: str, message: str, flagged: bool, taint: Taint | None = None) -> None:
        roots = taint.roots if taint is not None else frozenset()
        self.pending.append(Hit(cls, getattr(node, "lineno", 0), rule, message, bool(flagged), roots, self.seq))

    def guard(self, cls: str, taint: Taint) -> None:
        """Validation of `taint`'s variables for `cls` ("*": every class), effective for later sinks."""
        self.seq += 1
        seen = self.guards.setdefault(cls, {})
        for r in taint.roots:
            seen.setdefault(r, self.seq)

    def guarded(self, cls: str, roots: frozenset[str], seq: int) -> bool:
        for key in ("*", cls):
            seen = self.guards.get(key, {})
            if any(seen.get(r, seq + 1) <= seq for r in roots):
                return True
        return False

    def finish(self) -> None:
        if self.dry:
            return
        for h in self.pending:
            cleared = self.guarded(h.cls, h.roots, h.seq) or (self.not_html and h.rule in _RESPONSE_XSS)
            self.an.hits.append(replace(h, flagged=h.flagged and not cleared))
        for node, owner in self.nested:
            self._function(node, owner)

    def _function(self, node: ast.AST, owner: ast.ClassDef | None) -> None:
        if isinstance(node, ast.Lambda):
            return
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        params += [a for a in (args.vararg, args.kwarg) if a is not None]
        if owner is not None and params and params[0].arg in ("self", "cls") and not is_static(node):
            params = params[1:]
        names = [p.arg for p in params]
        http_class = owner is not None and any(base_name(b).endswith("RequestHandler") for b in owner.bases)
        handler = is_handler(node, owner, names, self.an.web) or (http_class and node.name.startswith("do_"))
        origin = "user" if handler else "cli" if is_cli(node) else "param"
        pw_func = is_password_name(node.name)
        env = dict(self.env)
        numeric = typed_params(node) if handler else set()
        constant = self.an.constant_args.get(node.name, set()) if origin == "param" and owner is None else set()
        for n in names:
            kinds = {origin} | ({"secret"} if pw_func or is_password_name(n) else set())
            env[n] = CLEAN if n in numeric or n in constant else Taint(kinds=frozenset(kinds), roots=frozenset({n}))
        scope = Scope(self.an, env, handler=handler, func=node, http_class=http_class or self.http_class,
                      ctor=self.ctor)
        scope.block(node.body)
        scope.finish()

    # ------------------------------------------------------------ statements

    def block(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.stmt(stmt)

    def _branches(self, *bodies: list[ast.stmt]) -> None:
        """Run each body on a copy of the variables; afterwards a variable holds the union."""
        start = dict(self.env)
        results = []
        for body in bodies:
            self.env = dict(start)
            self.block(body)
            results.append(self.env)
        merged = dict(start)
        for env in results:
            for k, v in env.items():
                merged[k] = union(merged[k], v) if k in merged and merged[k] is not v else v
        self.env = merged

    def _loop(self, body: list[ast.stmt], orelse: list[ast.stmt]) -> None:
        """A loop body runs twice so values carried into the next iteration reach their uses (once
        when nested deeper than two loops, to stay linear)."""
        self.loops += 1
        try:
            self._branches(body + body if self.loops <= 2 else body, orelse)
        finally:
            self.loops -= 1

    def stmt(self, s: ast.stmt) -> None:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for d in s.decorator_list:
                self.ev(d)
            self.nested.append((s, None))
            self.env[s.name] = Taint(kinds=frozenset({"unknown"}))
        elif isinstance(s, ast.ClassDef):
            for item in s.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self.nested.append((item, s))
                else:
                    self.stmt(item)
        elif isinstance(s, ast.Assign):
            t = self.ev(s.value)
            for target in s.targets:
                self.assign(target, t, s.value, s)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.assign(s.target, self.ev(s.value), s.value, s)
        elif isinstance(s, ast.AugAssign):
            cur, val = self.ev(s.target), self.ev(s.value)
            if isinstance(s.op, (ast.Add, ast.Mod)) and (cur.strish or val.strish or cur.prefix is not None):
                t = build([(cur, cur.prefix if not cur.kinds else None), (val, val.prefix if not val.kinds else None)])
            else:
                t = union(cur, val)
            self.assign(s.target, t, s.value, s)
        elif isinstance(s, ast.Return):
            if s.value is not None:
                t = self.ev(s.value)
                self.returns.append((t, s.value))
                sinks.check_return(self, s, t)
        elif isinstance(s, ast.If):
            self.test(s.test)
            self._branches(s.body, s.orelse)
        elif isinstance(s, ast.While):
            self.test(s.test)
            self._loop(s.body, s.orelse)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            it = self.ev(s.iter)
            self.assign(s.target, it, s.iter, s)
            self._loop(s.body, s.orelse)
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                t = self.ev(item.context_expr)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, t, item.context_expr, s)
            self.block(s.body)
        elif isinstance(s, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            self.block(s.body)
            self._branches(*[h.body for h in s.handlers], s.orelse)
            self.block(s.finalbody)
        elif isinstance(s, ast.Assert):
            self.test(s.test)
        elif isinstance(s, ast.Match):
            self.ev(s.subject)
            self._branches(*[c.body for c in s.cases])
        elif isinstance(s, ast.Expr):
            if isinstance(s.value, ast.Call):
                self.statement_guard(s.value)
            self.ev(s.value)
        else:
            for child in ast.iter_child_nodes(s):
                if isinstance(child, ast.expr):
                    self.ev(child)
                elif isinstance(child, ast.stmt):
                    self.stmt(child)

    def assign(self, target: ast.AST, t: Taint, value: ast.AST | None, stmt: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = replace(t, roots=t.roots | {target.id})
            if isinstance(value, ast.Call):
                qn = self.callee(value.func)
                if qn:
                    self.ctor[target.id] = qn
            else:
                self.ctor.pop(target.id, None)
            sinks.check_named_value(self, stmt, target.id, t)
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, ast.Call) and \
                dotted(value.func) == "enumerate" and len(target.elts) == 2 and value.args:
            self.assign(target.elts[0], CLEAN, None, stmt)
            self.assign(target.elts[1], self.ev(value.args[0]), None, stmt)
        elif isinstance(target, (ast.Tuple, ast.List)):
            same = isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts)
            vals = value.elts if same else None
            for i, elt in enumerate(target.elts):
                self.assign(elt, self.ev(vals[i]) if vals else t, vals[i] if vals else None, stmt)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, t, None, stmt)
        elif isinstance(target, ast.Attribute):
            if target.attr in ("mimetype", "content_type", "media_type") and _not_html_type(value):
                self.not_html = True
            key = dotted(target)
            if key:
                self.env[key] = replace(t, roots=t.roots | {key})
            self.ev(target.value)
            sinks.check_named_value(self, stmt, target.attr, t)
        elif isinstance(target, ast.Subscript):
            if (const_str(target.slice) or "").lower() == "content-type" and _not_html_type(value):
                self.not_html = True
            self.ev(target.slice)
            sinks.check_subscript_store(self, stmt, target, t)
            base = dotted(target.value)
            if base:
                self.env[base] = union(self.lookup_dotted(base, target.value), t)


_RESPONSE_XSS = {"emw-xss-response", "emw-xss-return"}


def _not_html_type(value: ast.AST | None) -> bool:
    text = const_str(value) if value is not None else None
    return text is not None and "html" not in text.lower() and "/" in text


# ---------------------------------------------------------------- call sites


def _constant_arguments(tree: ast.Module, functions: dict[str, ast.AST]) -> dict[str, set[str]]:
    """Per function defined once in the snippet and only ever called by name (never passed around, decorated
    or exported as a callback): the parameters every call site fills with a constant. Such a parameter is not
    attacker-controlled, whoever reads the helper in isolation. A function without call sites gets nothing:
    its parameters stay untrusted."""
    defs: dict[str, int] = {}
    decorated: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defs[node.name] = defs.get(node.name, 0) + 1
            if node.decorator_list:
                decorated.add(node.name)
    consts = _module_constants(tree)
    calls: dict[str, list[ast.Call]] = {}
    called_funcs: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
            calls.setdefault(node.func.id, []).append(node)
            called_funcs.add(id(node.func))
    escaped = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in functions and id(n) not in called_funcs}
    out: dict[str, set[str]] = {}
    for name, sites in calls.items():
        node = functions[name]
        if defs.get(name) != 1 or name in decorated or name in escaped or isinstance(node, ast.Lambda):
            continue
        a = node.args
        positional = [p.arg for p in [*a.posonlyargs, *a.args]]
        defaults = dict(zip(positional[len(positional) - len(a.defaults):], a.defaults))
        defaults.update({k.arg: d for k, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
        good = set()
        for i, param in enumerate(positional + [k.arg for k in a.kwonlyargs]):
            values = []
            for call in sites:
                if any(isinstance(x, ast.Starred) for x in call.args) or any(k.arg is None for k in call.keywords):
                    values = None
                    break
                given = call.args[i] if i < len(positional) and i < len(call.args) else \
                    next((k.value for k in call.keywords if k.arg == param), defaults.get(param))
                values.append(given)
            if values and all(v is not None and _constant(v, consts) for v in values):
                good.add(param)
        if good:
            out[name] = good
    return out


def _module_constants(tree: ast.Module) -> set[str]:
    """Module-level names assigned exactly once, to a constant expression."""
    counts: dict[str, int] = {}
    values: dict[str, ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            counts[node.id] = counts.get(node.id, 0) + 1
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            values[stmt.targets[0].id] = stmt.value
    return {n for n, v in values.items() if counts.get(n) == 1 and _constant(v, set())}


def _constant(node: ast.AST, consts: set[str]) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in consts
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_constant(e, consts) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is not None and _constant(k, consts) for k in node.keys) and all(_constant(v, consts) for v in node.values)
    if isinstance(node, ast.JoinedStr):
        return all(_constant(v.value if isinstance(v, ast.FormattedValue) else v, consts) for v in node.values)
    if isinstance(node, ast.BinOp):
        return _constant(node.left, consts) and _constant(node.right, consts)
    if isinstance(node, ast.UnaryOp):
        return _constant(node.operand, consts)
    return False
