"""Expression evaluation of the taint analysis: the taint of every expression, checking call sinks."""

from __future__ import annotations

import ast
import builtins
import re
from dataclasses import replace

from emwatch.scan import _sinks as sinks
from emwatch.scan._taint import CLEAN, Taint, build, const_text, dotted, is_password_name, union
from emwatch.scan._values import call_result, randomness, source_attribute

_BUILTINS = frozenset(dir(builtins))
_MUTATORS = {"append", "extend", "insert", "add", "update", "appendleft", "extendleft", "setdefault"}


class Expressions:
    """Mixin of `Scope`: `ev(node)` is the taint of an expression."""

    def callee(self, func: ast.AST) -> str | None:
        """Qualified callee; a method on a variable built by a known constructor reads 'ctor().method'."""
        if isinstance(func, ast.Attribute):
            base = dotted(func.value)
            if base in self.ctor:
                return f"{self.ctor[base]}().{func.attr}"
        return self.an.imports.qualify(func)

    def lookup(self, name: str) -> Taint:
        if name in self.env:
            t = self.env[name]
        elif name in _BUILTINS and name not in self.an.bound:
            return CLEAN
        elif name in self.an.imports.alias or name in self.an.bound:
            t = Taint(kinds=frozenset({"unknown"}))
        else:
            t = Taint(kinds=frozenset({"free"}), roots=frozenset({name}))
        return t.with_kinds("secret") if is_password_name(name) and not t.prefix else t

    def lookup_dotted(self, key: str, node: ast.AST) -> Taint:
        return self.env[key] if key in self.env else self.ev(node)

    def ev(self, node: ast.AST | None) -> Taint:
        if node is None:
            return CLEAN
        method = getattr(self, "ev_" + type(node).__name__, None)
        if method is not None:
            return method(node)
        return union(*(self.ev(c) for c in ast.iter_child_nodes(node) if isinstance(c, ast.expr)))

    def ev_Constant(self, node: ast.Constant) -> Taint:
        return const_text(node.value)

    def ev_Name(self, node: ast.Name) -> Taint:
        qn = self.an.imports.qualify(node)
        src = source_attribute(qn, node, self)
        return src if src is not None else self.lookup(node.id)

    def ev_Attribute(self, node: ast.Attribute) -> Taint:
        src = source_attribute(self.an.imports.qualify(node), node, self)
        if src is not None:
            return src
        key = dotted(node)
        if key and key in self.env:
            return self.env[key]
        base = self.ev(node.value)
        if node.attr in ("name", "stem") and base.kinds:
            return replace(base.with_marks("path_traversal"), prefix=None)
        if is_password_name(node.attr):
            base = base.with_kinds("secret")
        return base

    def ev_Subscript(self, node: ast.Subscript) -> Taint:
        self.ev(node.slice)
        src = source_attribute(self.an.imports.qualify(node.value), node, self)
        base = src if src is not None else self.ev(node.value)
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        if isinstance(key, str) and is_password_name(key):
            base = base.with_kinds("secret")
        if base.kinds & {"user", "cli"} and isinstance(key, (str, int)):
            base = replace(base, strish=True)
        return replace(base, prefix=None) if base.kinds else base

    def ev_JoinedStr(self, node: ast.JoinedStr) -> Taint:
        parts: list[tuple[Taint, str | None]] = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append((CLEAN, str(v.value)))
            else:
                t = self.ev(v.value if isinstance(v, ast.FormattedValue) else v)
                if isinstance(v, ast.FormattedValue) and _numeric_spec(v.format_spec):
                    t = randomness(t)  # '{x:06d}' only renders numbers
                parts.append((t, t.prefix if not t.kinds and t.prefix is not None else None))
        t = build(parts) if parts else const_text("")
        sinks.check_string(self, node, t)
        return t

    def ev_BinOp(self, node: ast.BinOp) -> Taint:
        left, right = self.ev(node.left), self.ev(node.right)
        text = lambda t: t.prefix if not t.kinds and t.prefix is not None else None  # noqa: E731
        if isinstance(node.op, ast.Mult) and (text(left) is not None or text(right) is not None):
            return CLEAN if not (left.kinds and right.kinds) else union(left, right)
        if isinstance(node.op, ast.Add) and (left.strish or right.strish):
            t = build([(left, text(left)), (right, text(right))])
        elif isinstance(node.op, ast.Mod) and text(left) is not None:
            fmt = text(left)
            convs = _PERCENT.findall(fmt)
            if convs and all(c in "diouxXeEfFgGc%" for c in convs):
                right = randomness(right)  # '%d' only renders numbers
            t = replace(build([(left, fmt), (right, None)]), prefix=fmt.split("%", 1)[0])
        elif isinstance(node.op, ast.Div) and (left.kinds or right.kinds or left.prefix is not None):
            t = build([(left, text(left)), (CLEAN, "/"), (right, text(right))])
            t = replace(t, strish=False, html=False, sqlish=False)
        else:
            return union(left, right)
        sinks.check_string(self, node, t)
        return t

    def ev_BoolOp(self, node: ast.BoolOp) -> Taint:
        return union(*(self.ev(v) for v in node.values))

    def ev_IfExp(self, node: ast.IfExp) -> Taint:
        self.test(node.test)
        return union(self.ev(node.body), self.ev(node.orelse))

    def ev_Compare(self, node: ast.Compare) -> Taint:
        for c in [node.left, *node.comparators]:
            self.ev(c)
        return CLEAN

    def ev_UnaryOp(self, node: ast.UnaryOp) -> Taint:
        t = self.ev(node.operand)
        return CLEAN if isinstance(node.op, ast.Not) else t

    def ev_Dict(self, node: ast.Dict) -> Taint:
        parts = []
        for k, v in zip(node.keys, node.values):
            kt, vt = self.ev(k), self.ev(v)
            if isinstance(k, ast.Constant) and isinstance(k.value, str):
                sinks.check_named_value(self, v, k.value, vt)
            parts += [kt, vt]
        return replace(union(*parts), strish=False)

    def ev_Lambda(self, node: ast.Lambda) -> Taint:
        saved = dict(self.env)
        for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            self.env[a.arg] = Taint(kinds=frozenset({"param"}), roots=frozenset({a.arg}))
        self.ev(node.body)
        self.env = saved
        return Taint(kinds=frozenset({"unknown"}))

    def _comprehension(self, node: ast.AST, elts: list[ast.AST]) -> Taint:
        saved = dict(self.env)
        for gen in node.generators:
            self.assign(gen.target, self.ev(gen.iter), None, node)
            for cond in gen.ifs:
                self.test(cond)
        t = union(*(self.ev(e) for e in elts))
        self.env = saved
        return t

    def ev_ListComp(self, node):
        return self._comprehension(node, [node.elt])

    ev_SetComp = ev_GeneratorExp = ev_ListComp

    def ev_DictComp(self, node):
        return self._comprehension(node, [node.key, node.value])

    def ev_NamedExpr(self, node: ast.NamedExpr) -> Taint:
        t = self.ev(node.value)
        self.assign(node.target, t, node.value, node)
        return t

    def ev_Call(self, node: ast.Call) -> Taint:
        func = node.func
        qn = self.callee(func)
        meth = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        recv = CLEAN
        if isinstance(func, ast.Attribute):
            base = dotted(func.value)
            head = base.split(".")[0] if base is not None else None
            is_module = head is not None and head in self.an.imports.alias and head not in self.env
            recv = self.ev(func.value)
            if is_module and recv.kinds <= {"unknown"}:
                recv = CLEAN
        elif not isinstance(func, ast.Name):
            recv = self.ev(func)
        args = [self.ev(a) for a in node.args]
        kws = {(k.arg or "**"): self.ev(k.value) for k in node.keywords}
        sinks.check_call(self, node, qn or "", meth, recv, args, kws)
        local = self._local_function(func)
        summary = self.an.summary(local) if local else None
        if summary is not None:
            return summary.apply(union(*args, *kws.values()))
        if isinstance(func, ast.Attribute) and meth in _MUTATORS and args:
            key = dotted(func.value)
            if key and (key in self.env or key in self.an.bound):
                self.env[key] = union(self.lookup(key) if key in self.env else CLEAN, *args)
        t = call_result(self, node, qn or "", meth, recv, args, kws)
        if t.sqlish or t.html:
            sinks.check_string(self, node, t)
        return t



_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[hlL]?([a-zA-Z%])")


def _numeric_spec(spec: ast.AST | None) -> bool:
    if not isinstance(spec, ast.JoinedStr):
        return False
    text = "".join(str(v.value) for v in spec.values if isinstance(v, ast.Constant))
    return bool(re.search(r"[dnxXobeEfFgG%]$", text))
