"""Taint values, name resolution and the word lists the static detector's checks share.

A `Taint` says where a value may come from (its *origins*), which sanitisers it went through, which
variables it flowed through (so a guard on one of them can clear it) and how it was built. The
analysis is intra-procedural and never runs the code.

Origins:
    user     request data, route parameters, sockets (a remote client)
    cli      input(), sys.argv, parsed command-line arguments (the local user)
    param    a parameter of the enclosing function (not self/cls)
    io       data read from a file or another stream
    env      os.environ / os.getenv
    free     a name the snippet never binds (an input of a fragment)
    unknown  a non-constant value of unknown origin (result of an unknown call, an imported object)
    rand     output of the `random` module (not cryptographically secure)
    crypto   output of secrets/uuid4/os.urandom (unpredictable)
    secret   a password-like value (its name says so)
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field, replace

ATTACK = frozenset({"user", "param", "io", "free", "cli"})  # data an attacker may control
WEB_MODULES = ("flask", "django", "fastapi", "werkzeug", "starlette", "bottle", "tornado", "sanic", "quart",
               "aiohttp", "pyramid", "falcon", "rest_framework", "cherrypy", "web", "litestar")
TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


@dataclass(frozen=True, slots=True)
class Taint:
    """Abstract value of an expression. Empty `kinds` means constant or fully sanitised."""

    kinds: frozenset[str] = frozenset()
    marks: frozenset[str] = frozenset()  # vuln classes this value is sanitised for, plus "norm"
    roots: frozenset[str] = frozenset()  # variables the value flowed through (for guards)
    tail: bool = False  # tainted data was appended after a leading part (query/path building)
    ptail: bool = False  # ... and that appended part is not a sanitised file name
    strish: bool = False  # known to be text: a built string or a scalar from request data
    html: bool = False  # built with constant parts that contain HTML tags
    prefix: str | None = None  # leading constant text, when known
    sqlish: bool = False  # constant parts look like an SQL statement

    def has(self, kinds: frozenset[str] | set[str]) -> bool:
        return bool(self.kinds & kinds)

    def clean_for(self, cls: str) -> bool:
        return cls in self.marks

    def with_marks(self, *marks: str) -> Taint:
        return replace(self, marks=self.marks | frozenset(marks)) if self.kinds else self

    def with_kinds(self, *kinds: str) -> Taint:
        return replace(self, kinds=self.kinds | frozenset(kinds))


CLEAN = Taint()
_DIRTY = ATTACK | {"env", "unknown"}


def union(*parts: Taint, prefix: str | None = None) -> Taint:
    """Combine the taints of values mixed into one (concatenation, call arguments...)."""
    tainted = [p for p in parts if p.kinds & _DIRTY] or [p for p in parts if p.kinds]  # random/secret parts
    marks = frozenset.intersection(*(p.marks for p in tainted)) if tainted else frozenset()  # cannot unsanitise
    return Taint(
        kinds=frozenset().union(*(p.kinds for p in parts)),
        marks=marks,
        roots=frozenset().union(*(p.roots for p in parts)),
        tail=any(p.tail for p in parts),
        ptail=any(p.ptail for p in parts),
        strish=any(p.strish for p in parts),
        html=any(p.html for p in parts),
        prefix=prefix,
        sqlish=any(p.sqlish for p in parts),
    )


def build(parts: list[tuple[Taint, str | None]]) -> Taint:
    """Taint of a string built from ordered parts; each part is (taint, constant text or None)."""
    text = [c for _, c in parts if c is not None]
    joined = "".join(text)
    prefix = ""
    for t, c in parts:
        if c is None:
            if t.prefix is not None:
                prefix += t.prefix
            break
        prefix += c
    else:
        prefix = joined
    tail = any(t.has(ATTACK) for t, _ in parts[1:]) or any(t.tail for t, _ in parts)
    ptail = any(t.has(ATTACK) and "path_traversal" not in t.marks for t, _ in parts[1:])
    ptail = ptail or any(t.ptail for t, _ in parts)
    base = union(*(t for t, _ in parts), prefix=prefix)
    return replace(
        base,
        tail=tail,
        ptail=ptail,
        strish=True,
        html=base.html or bool(_HTML.search(joined)),
        sqlish=base.sqlish or bool(_SQL.search(joined)),
    )


def const_text(value: object) -> Taint:
    """Taint of a constant: clean, with its text as prefix when it is a string."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, str):
        return Taint(prefix=value, strish=True, html=bool(_HTML.search(value)), sqlish=bool(_SQL.search(value)))
    return CLEAN


_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*[\s>/]|<!--|<[a-z]+$")
_SQL = re.compile(
    r"^\s*(select\s.+\sfrom|insert\s+into|update\s+\S+\s+set|delete\s+from|drop\s+(table|database)|"
    r"create\s+table|alter\s+table|replace\s+into|exec(ute)?\s)|\s(where|order\s+by|group\s+by|limit|values)\s",
    re.IGNORECASE | re.DOTALL,
)


# ---------------------------------------------------------------- identifier words

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def words(name: str) -> list[str]:
    """Lower-case words of an identifier or key: 'dbPassword_hash' -> ['db', 'password', 'hash']."""
    parts = re.split(r"[^A-Za-z0-9]+", _CAMEL.sub("_", name))
    return [p.lower() for p in parts if p]


PASSWORD_WORDS = {"password", "passwd", "pwd", "pw", "pass", "passphrase", "passcode", "pin", "secret",
                  "credential", "credentials", "pword"}
CRED_WORDS = {"password", "passwd", "pwd", "pw", "pass", "passphrase", "secret", "token", "apikey",
              "credential", "credentials", "pword", "passcode"}
CRED_PAIRS = {("api", "key"), ("secret", "key"), ("access", "key"), ("private", "key"), ("auth", "token"),
              ("access", "token"), ("client", "secret"), ("signing", "key"), ("encryption", "key"),
              ("master", "key"), ("app", "secret"), ("secret", "access"), ("session", "key"), ("jwt", "key"),
              ("bearer", "token"), ("license", "key"), ("webhook", "secret"), ("admin", "pass")}
SENSITIVE_RAND_WORDS = {"token", "password", "passwd", "pwd", "secret", "salt", "nonce", "otp", "csrf",
                        "passphrase", "pin", "apikey", "sessionid", "sid", "iv", "credential", "passcode",
                        "totp", "xsrf"}
SENSITIVE_RAND_PAIRS = {("api", "key"), ("secret", "key"), ("session", "id"), ("session", "key"),
                        ("reset", "code"), ("verification", "code"), ("verify", "code"), ("auth", "code"),
                        ("access", "key"), ("private", "key"), ("signing", "key"), ("encryption", "key"),
                        ("invite", "code"), ("confirmation", "code"), ("activation", "code"), ("one", "time"),
                        ("temp", "password"), ("magic", "link"), ("recovery", "code"), ("security", "code"),
                        ("login", "code"), ("auth", "key"), ("unsubscribe", "key"), ("share", "key")}


def is_password_name(name: str) -> bool:
    ws = words(name)
    return bool(ws) and any(w in PASSWORD_WORDS for w in ws) and ws[-1] not in _NOT_A_VALUE


def is_credential_name(name: str) -> bool:
    """A name whose value would be a credential: its last word (or last two) names one."""
    ws = words(name)
    if not ws:
        return False
    return ws[-1] in CRED_WORDS or tuple(ws[-2:]) in CRED_PAIRS


def is_sensitive_rand_name(name: str) -> bool:
    ws = words(name)
    if ws and ws[-1] in ("code", "pin", "otp"):  # make_code(), reset_code: a one-time code
        return True
    if any(w in SENSITIVE_RAND_WORDS for w in ws):
        return not (ws and ws[-1] in _NOT_A_VALUE)
    return any(pair in SENSITIVE_RAND_PAIRS for pair in zip(ws, ws[1:]))


_NOT_A_VALUE = {"url", "uri", "endpoint", "field", "name", "label", "length", "len", "min", "max", "file",
                "path", "dir", "header", "type", "prompt", "regex", "pattern", "policy", "env", "var",
                "count", "expiry", "expires", "ttl", "timeout", "lifetime", "required", "rules", "form",
                "input", "size", "chars", "alphabet", "charset", "digits", "hash", "hashed", "hasher",
                "validator", "strength", "attempts", "column", "col", "id", "reset", "template", "error",
                "msg", "message", "text", "widget", "mode", "format", "query", "param", "key"}


# ---------------------------------------------------------------- imports and dotted names


def dotted(node: ast.AST) -> str | None:
    """'a.b.c' for a Name/Attribute chain, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


@dataclass
class Imports:
    """Maps local names to what they import: `sp` -> `subprocess`, `system` -> `os.system`."""

    alias: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, tree: ast.AST) -> Imports:
        out = cls()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        out.alias[a.asname] = a.name
                    else:
                        top = a.name.split(".")[0]
                        out.alias.setdefault(top, top)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    out.alias[a.asname or a.name] = f"{node.module}.{a.name}"
        return out

    def qualify(self, node: ast.AST) -> str | None:
        """Fully qualified dotted name of a call target, aliases resolved."""
        name = dotted(node)
        if name is None:
            # e.g. Path(x).read_text, requests.Session().get: qualify the call's target instead
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call):
                inner = self.qualify(node.value.func)
                return f"{inner}().{node.attr}" if inner else f"?.{node.attr}"
            return None
        head, _, rest = name.partition(".")
        if head in self.alias:
            head = self.alias[head]
        return f"{head}.{rest}" if rest else head


def last(qn: str | None) -> str:
    return qn.rsplit(".", 1)[-1] if qn else ""


def const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def kwarg(call: ast.Call, name: str) -> ast.AST | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def arg(call: ast.Call, index: int, name: str | None = None) -> ast.AST | None:
    """Positional argument `index`, or keyword `name`."""
    if name is not None:
        v = kwarg(call, name)
        if v is not None:
            return v
    pos = [a for a in call.args if not isinstance(a, ast.Starred)]
    return pos[index] if index < len(pos) else None


def is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def is_false(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (False, 0) and node.value is not None
