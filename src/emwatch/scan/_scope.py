"""What the sink and value checks see of a scope, and the record of a sink.

Kept apart from `_flow` (the scope walker) so that `_sinks`, `_values`, `_guards` and `_exprs` never import the
walker that imports them: the scanner's modules form a chain without a cycle (taint -> scope -> sinks/values ->
guards/exprs -> flow -> scan).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Protocol

from emwatch.scan._taint import Taint


@dataclass(frozen=True)
class Hit:
    """A sink the analysis looked at: flagged, or judged safe (`flagged=False`, used to veto Bandit)."""

    cls: str
    line: int
    rule: str
    message: str
    flagged: bool
    roots: frozenset[str] = frozenset()
    seq: int = 0  # guards recorded before this point can clear it


class Scope(Protocol):
    """The parts of `_flow.Scope` (one function or the module) that the checks read."""

    an: Any                 # the Analyzer: imports, bound names, local functions
    env: dict[str, Taint]   # variable -> taint
    handler: bool           # a web request handler
    http_class: bool        # a method of an http.server request handler class
    ctor: dict[str, str]    # variable -> the class that constructed it
    func_name: str

    def ev(self, node: ast.AST | None) -> Taint: ...

    def sink(self, cls: str, node: ast.AST, rule: str, message: str, flagged: bool,
             taint: Taint | None = None) -> None: ...
