"""Checks that need no data flow: credentials in literals, file modes, TLS and parser settings, debug
mode, JWT verification, predictable temp files, template autoescaping, weak ciphers."""

from __future__ import annotations

import ast
import re
import stat

from emwatch.scan._scope import Hit
from emwatch.scan._taint import (
    WEB_MODULES,
    Imports,
    const_str,
    dotted,
    is_credential_name,
    is_false,
    is_true,
    kwarg,
    last,
    words,
)

_PLACEHOLDER = re.compile(
    r"^\s*$|^(<.*>|\{.*\}|\$\{.*\}|\$[A-Z_]+|%\(.*\)s|%s|x{3,}|\*{3,}|\.{3}|-+|none|null|n/?a|tbd|todo.*)$|"
    r"^your[_\- ]|_here$|placeholder|replace[_\- ]?(me|this|with)|<your|insert[_\- ]|enter[_\- ]your|changeit_in|"
    r"example\.com|^(redacted|hidden|secret_here|dummy)$",
    re.IGNORECASE,
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*(KEY|TOKEN|SECRET|PASSWORD|PASS|PWD)[A-Z0-9_]*$")
_TOKEN_FORMATS = re.compile(
    r"AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED |)PRIVATE KEY-----|"
    r"gh[pousr]_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|"
    r"AIza[0-9A-Za-z_\-]{35}|sk-(proj-)?[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_\-]{20}"
)
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@{}]+:([^@\s/{}]+)@", re.IGNORECASE)
_DSN_PASSWORD = re.compile(r"(?:^|[\s;])(?:password|pwd)\s*=\s*([^;\s'\"{}]+)", re.IGNORECASE)
_AUTH_HEADER = re.compile(r"^(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}$")
_SECRET_PATH = re.compile(r"key|secret|passw|token|credential|\.pem|id_rsa|id_ed25519|\.env|shadow|private|"
                          r"\.p12|\.pfx|wallet", re.IGNORECASE)
_CRED_CALLS_SKIP = {"get", "getenv", "environ.get", "setdefault", "add_argument", "Field", "CharField",
                    "PasswordField", "StringField", "prompt", "getpass", "input"}

SEVERITY = {
    "sql_injection": "high", "command_injection": "high", "code_injection": "high",
    "unsafe_deserialization": "high", "path_traversal": "high", "xss": "medium", "ssrf": "high",
    "open_redirect": "medium", "xxe": "high", "insecure_permissions": "medium",
    "hardcoded_credentials": "medium", "weak_password_hash": "medium", "tls_verification_disabled": "high",
    "insecure_temp_file": "medium", "debug_mode": "high", "weak_randomness": "medium",
    "jwt_unverified": "high", "weak_cryptography": "medium",
}


def _placeholder(value: str) -> bool:
    return bool(_PLACEHOLDER.search(value)) or bool(_ENV_NAME.match(value)) or not re.search(r"[A-Za-z0-9]", value)


def _label_of(name: str, value: str) -> bool:
    """'X-Access-Token' for HEADER_ACCESS_TOKEN, 'DB_PASSWORD' for db_password_var: a label, not a secret."""
    vw = words(value)
    return len(vw) >= 2 and set(vw) <= set(words(name))


def _const_int(node: ast.AST | None, consts: dict[str, int]) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name) and node.id in consts:
        return consts[node.id]
    name = dotted(node) if node is not None else None
    if name and name.rsplit(".", 1)[-1].startswith("S_I") and hasattr(stat, name.rsplit(".", 1)[-1]):
        return getattr(stat, name.rsplit(".", 1)[-1])
    if isinstance(node, ast.BinOp):
        a, b = _const_int(node.left, consts), _const_int(node.right, consts)
        if a is None or b is None:
            return None
        ops = {ast.BitOr: lambda: a | b, ast.Add: lambda: a + b, ast.BitAnd: lambda: a & b, ast.Sub: lambda: a - b}
        f = ops.get(type(node.op))
        return f() if f else None
    return None


class Patterns(ast.NodeVisitor):
    def __init__(self, tree: ast.Module) -> None:
        self.imports = Imports.of(tree)
        self.hits: list[Hit] = []
        self.web = any(v.split(".")[0] in WEB_MODULES for v in self.imports.alias.values())
        counts: dict[str, int] = {}
        values: dict[str, int] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        counts[t.id] = counts.get(t.id, 0) + 1
                        v = _const_int(node.value, {})
                        if v is not None:
                            values[t.id] = v
        self.consts = {k: v for k, v in values.items() if counts.get(k) == 1}
        self.assigned: dict[str, ast.AST] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.assigned.setdefault(node.targets[0].id, node.value)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                positional = [*args.posonlyargs, *args.args]
                for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults):
                    self.assigned.setdefault(a.arg, d)
        self.settings = any(isinstance(n, ast.Name) and n.id in ("INSTALLED_APPS", "ALLOWED_HOSTS", "MIDDLEWARE")
                            for n in ast.walk(tree))

    def expand(self, node: ast.AST, depth: int = 3) -> str:
        """Source text of `node` with variables replaced by what they were first assigned (a few levels)."""
        text = ast.unparse(node)
        if depth == 0:
            return text
        extra = [self.expand(self.assigned[n.id], depth - 1) for n in ast.walk(node)
                 if isinstance(n, ast.Name) and n.id in self.assigned and self.assigned[n.id] is not node]
        return " ".join([text, *extra])

    def run(self, tree: ast.Module) -> list[Hit]:
        self.visit(tree)
        return self.hits

    def hit(self, cls: str, node: ast.AST, rule: str, message: str) -> None:
        self.hits.append(Hit(cls, getattr(node, "lineno", 0), rule, message, True))

    # ------------------------------------------------------------ credentials

    def _cred_value(self, name: str, value: ast.AST | None, node: ast.AST, rule: str) -> None:
        text = const_str(value)
        if text is not None and is_credential_name(name) and not _placeholder(text) and not _label_of(name, text) \
                and not re.search(r"\s", text.strip()) and not (rule == "emw-cred-compare" and text.isupper()):
            self.hit("hardcoded_credentials", node, rule, f"hard-coded credential in {name!r}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for t in node.targets:
            self._store(t, node.value, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._store(node.target, node.value, node)
        self.generic_visit(node)

    def _store(self, target: ast.AST, value: ast.AST, node: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self._cred_value(target.id, value, node, "emw-cred-assign")
            if target.id == "DEBUG" and is_true(value) and (self.web or self.settings):
                self.hit("debug_mode", node, "emw-debug-setting", "DEBUG = True in a web application")
        elif isinstance(target, ast.Attribute):
            self._cred_value(target.attr, value, node, "emw-cred-assign")
            self._attribute_setting(target, value, node)
        elif isinstance(target, ast.Subscript):
            key = const_str(target.slice)
            if key:
                self._cred_value(key, value, node, "emw-cred-assign")
                if key == "DEBUG" and is_true(value):
                    self.hit("debug_mode", node, "emw-debug-config", "app.config['DEBUG'] = True")
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
            for t, v in zip(target.elts, value.elts):
                self._store(t, v, node)

    def _attribute_setting(self, target: ast.Attribute, value: ast.AST, node: ast.AST) -> None:
        vname = dotted(value) or ""
        if target.attr == "verify" and is_false(value):
            self.hit("tls_verification_disabled", node, "emw-tls-session", "session.verify = False")
        elif target.attr == "check_hostname" and is_false(value):
            self.hit("tls_verification_disabled", node, "emw-tls-hostname", "check_hostname = False")
        elif target.attr == "verify_mode" and vname.endswith(("CERT_NONE", "CERT_OPTIONAL")):
            self.hit("tls_verification_disabled", node, "emw-tls-certnone", "verify_mode = CERT_NONE")
        elif target.attr == "_create_default_https_context" and "unverified" in vname:
            self.hit("tls_verification_disabled", node, "emw-tls-global", "unverified HTTPS context installed globally")
        elif target.attr == "debug" and is_true(value):
            self.hit("debug_mode", node, "emw-debug-attr", "app.debug = True")

    def visit_Dict(self, node: ast.Dict) -> None:
        for k, v in zip(node.keys, node.values):
            key = const_str(k)
            if key:
                self._cred_value(key, v, v, "emw-cred-dict")
                text = const_str(v)
                if key.lower() == "authorization" and text and _AUTH_HEADER.match(text):
                    self.hit("hardcoded_credentials", v, "emw-cred-header", "hard-coded Authorization header")
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        items = [node.left, *node.comparators]
        for a, op, b in zip(items, node.ops, items[1:]):
            if isinstance(op, (ast.Eq, ast.NotEq)):
                for x, y in ((a, b), (b, a)):
                    name = dotted(x) or (const_str(x.slice) if isinstance(x, ast.Subscript) else None) or ""
                    if name:
                        self._cred_value(name.rsplit(".", 1)[-1], y, node, "emw-cred-compare")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults):
            self._cred_value(a.arg, d, d, "emw-cred-default")
        for a, d in zip(args.kwonlyargs, args.kw_defaults):
            if d is not None:
                self._cred_value(a.arg, d, d, "emw-cred-default")
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Constant(self, node: ast.Constant) -> None:
        if not isinstance(node.value, str) or len(node.value) < 12:
            return
        text = node.value
        m = _TOKEN_FORMATS.search(text)
        if m and not _placeholder(m.group(0)) and "EXAMPLE" not in text:
            self.hit("hardcoded_credentials", node, "emw-cred-token", "a key or token format in a string literal")
            return
        for rx in (_URL_PASSWORD, _DSN_PASSWORD):
            m = rx.search(text)
            if m and not _placeholder(m.group(1)) and not m.group(1).startswith(("%", "$", "<")):
                self.hit("hardcoded_credentials", node, "emw-cred-url", "password embedded in a connection string")
                return

    # ------------------------------------------------------------ calls

    def visit_Call(self, node: ast.Call) -> None:
        qn = self.imports.qualify(node.func) or ""
        name = qn or (node.func.attr if isinstance(node.func, ast.Attribute) else "")
        tail = last(name)
        self._call_credentials(node, name, tail)
        self._call_permissions(node, name, tail)
        self._call_tls(node, name, tail)
        self._call_misc(node, name, tail)
        self.generic_visit(node)

    def _call_credentials(self, node: ast.Call, name: str, tail: str) -> None:
        if tail in _CRED_CALLS_SKIP or name in ("os.environ.get", "os.getenv"):
            return
        for k in node.keywords:
            if k.arg:
                self._cred_value(k.arg, k.value, node, "emw-cred-kwarg")
            if k.arg == "auth" and isinstance(k.value, ast.Tuple) and len(k.value.elts) == 2:
                pw = const_str(k.value.elts[1])
                if pw and not _placeholder(pw):
                    self.hit("hardcoded_credentials", node, "emw-cred-auth", "hard-coded basic-auth password")
        if tail in ("HTTPBasicAuth", "HTTPDigestAuth", "login", "BasicAuth") and len(node.args) >= 2:
            pw = const_str(node.args[1])
            if pw and not _placeholder(pw):
                self.hit("hardcoded_credentials", node, "emw-cred-login", f"hard-coded password passed to {tail}()")

    def _call_permissions(self, node: ast.Call, name: str, tail: str) -> None:
        mode_node, path_node = None, None
        if name in ("os.chmod", "os.lchmod", "os.fchmod"):
            path_node, mode_node = (node.args + [None, None])[:2]
            mode_node = kwarg(node, "mode") or mode_node
        elif isinstance(node.func, ast.Attribute) and tail == "chmod" and name not in ("os.chmod",):
            path_node, mode_node = node.func.value, kwarg(node, "mode") or (node.args[0] if node.args else None)
        elif name in ("os.makedirs", "os.mkdir", "os.mkfifo", "os.mknod"):
            path_node = node.args[0] if node.args else None
            mode_node = kwarg(node, "mode") or (node.args[1] if len(node.args) > 1 else None)
        elif name == "os.open":
            path_node = node.args[0] if node.args else None
            mode_node = kwarg(node, "mode") or (node.args[2] if len(node.args) > 2 else None)
        elif isinstance(node.func, ast.Attribute) and tail in ("mkdir", "touch") and kwarg(node, "mode") is not None:
            path_node, mode_node = node.func.value, kwarg(node, "mode")
        elif name == "os.umask":
            mask = _const_int(node.args[0] if node.args else None, self.consts)
            if mask is not None and mask & 0o022 == 0:
                self.hit("insecure_permissions", node, "emw-perm-umask",
                         f"umask({oct(mask)}) leaves files group/world-writable")
            return
        mode = _const_int(mode_node, self.consts)
        if mode is None:
            return
        if mode & 0o022:
            self.hit("insecure_permissions", node, "emw-perm-write", f"mode {oct(mode)} lets group/others write")
        elif mode & 0o004 and path_node is not None and _SECRET_PATH.search(self.expand(path_node)):
            self.hit("insecure_permissions", node, "emw-perm-read", f"mode {oct(mode)} makes a secret world-readable")
        else:
            self.hits.append(Hit("insecure_permissions", node.lineno, "emw-perm-ok", f"mode {oct(mode)}", False))

    def _call_tls(self, node: ast.Call, name: str, tail: str) -> None:
        verify = kwarg(node, "verify")
        if verify is not None and is_false(verify):
            self.hit("tls_verification_disabled", node, "emw-tls-verify",
                     f"{tail}(verify=False) disables certificate checks")
        for key in ("ssl", "verify_ssl"):
            v = kwarg(node, key)
            if v is not None and is_false(v) and (
                    tail in ("get", "post", "put", "patch", "delete", "request", "ws_connect", "TCPConnector", "head")):
                self.hit("tls_verification_disabled", node, "emw-tls-ssl-false", f"{tail}({key}=False)")
        reqs = kwarg(node, "cert_reqs")
        if reqs is not None and ((dotted(reqs) or "").endswith("CERT_NONE") or const_str(reqs) == "CERT_NONE"):
            self.hit("tls_verification_disabled", node, "emw-tls-certreqs", "cert_reqs=CERT_NONE")
        if name in ("ssl._create_unverified_context", "ssl._create_stdlib_context"):
            self.hit("tls_verification_disabled", node, "emw-tls-unverified", f"{name}() skips certificate checks")
        if tail == "set_missing_host_key_policy" and node.args:
            policy = dotted(node.args[0].func if isinstance(node.args[0], ast.Call) else node.args[0]) or ""
            if policy.endswith(("AutoAddPolicy", "WarningPolicy")):
                self.hit("tls_verification_disabled", node, "emw-tls-ssh", "SSH host keys accepted unverified")

    def _call_misc(self, node: ast.Call, name: str, tail: str) -> None:
        if name in ("tempfile.mktemp", "os.tempnam", "os.tmpnam"):
            self.hit("insecure_temp_file", node, "emw-tmp-mktemp", f"{name}() is open to a race")
        if (tail == "run" and is_true(kwarg(node, "debug"))) or (
                tail == "run_simple" and is_true(kwarg(node, "use_debugger"))):
            self.hit("debug_mode", node, "emw-debug-run", "server started with the debugger enabled")
        config = isinstance(node.func, ast.Attribute) and (dotted(node.func.value) or "").endswith("config")
        if tail == "update" and config and is_true(kwarg(node, "DEBUG")):
            self.hit("debug_mode", node, "emw-debug-config", "config DEBUG=True")
        if tail == "DebuggedApplication" and is_true(kwarg(node, "evalex")):
            self.hit("debug_mode", node, "emw-debug-evalex", "Werkzeug debugger with evalex enabled")
        if tail == "decode" and "jwt" in name.lower():
            self._jwt(node)
        if tail == "encode" and "jwt" in name.lower():
            algo = const_str(kwarg(node, "algorithm"))
            if algo and algo.lower() == "none":
                self.hit("jwt_unverified", node, "emw-jwt-none", "JWT signed with algorithm 'none'")
        if tail in ("b64decode", "urlsafe_b64decode") and "base64" in name and node.args and \
                re.search(r"\.split\((['\"])\.\1(, *[12])?\)\[1\]", self.expand(node.args[0])):
            self.hit("jwt_unverified", node, "emw-jwt-manual", "token payload decoded without checking its signature")
        if name in ("jose.jwt.get_unverified_claims",):
            self.hit("jwt_unverified", node, "emw-jwt-unverified", "JWT claims read without verification")
        if tail == "XMLParser" and "lxml" in name:
            if is_true(kwarg(node, "resolve_entities")) or is_false(kwarg(node, "no_network")):
                self.hit("xxe", node, "emw-xxe-parser", "lxml parser resolves external entities")
        if tail == "setFeature" and len(node.args) == 2 and is_true(node.args[1]) and \
                "external" in (dotted(node.args[0]) or const_str(node.args[0]) or ""):
            self.hit("xxe", node, "emw-xxe-sax", "SAX parser set to load external entities")
        if name == "xmltodict.parse" and is_false(kwarg(node, "disable_entities")):
            self.hit("xxe", node, "emw-xxe-xmltodict", "xmltodict with entities enabled")
        if tail == "Environment" and "jinja2" in name:
            auto = kwarg(node, "autoescape")
            if auto is None or is_false(auto):
                self.hit("xss", node, "emw-xss-autoescape", "jinja2 Environment without autoescaping")
        if tail == "new" and node.args and len(node.args) >= 2:
            mode = dotted(node.args[1]) or ""
            cipher = name.rsplit(".", 2)[-2] if name.count(".") >= 1 else ""
            if mode.endswith("MODE_ECB") or cipher in ("DES", "DES3", "ARC4", "Blowfish", "ARC2", "XOR"):
                self.hit("weak_cryptography", node, "emw-crypto-weak", f"weak cipher or ECB mode ({cipher or mode})")
        if tail == "ECB" and "cryptography" in name:
            self.hit("weak_cryptography", node, "emw-crypto-ecb", "ECB block cipher mode")

    def _jwt(self, node: ast.Call) -> None:
        opts = kwarg(node, "options")
        if isinstance(opts, ast.Dict):
            for k, v in zip(opts.keys, opts.values):
                if const_str(k) in ("verify_signature", "verify") and is_false(v):
                    self.hit("jwt_unverified", node, "emw-jwt-options", "jwt.decode with verify_signature False")
        if is_false(kwarg(node, "verify")):
            self.hit("jwt_unverified", node, "emw-jwt-verify", "jwt.decode(verify=False)")
        algos = kwarg(node, "algorithms")
        if isinstance(algos, (ast.List, ast.Tuple, ast.Set)):
            if any((const_str(e) or "").lower() == "none" for e in algos.elts):
                self.hit("jwt_unverified", node, "emw-jwt-none", "jwt.decode accepts algorithm 'none'")
        if algos is not None and "get_unverified_header" in self.expand(algos):
            self.hit("jwt_unverified", node, "emw-jwt-header-alg", "JWT algorithm taken from the token's own header")


def pattern_hits(tree: ast.Module) -> list[Hit]:
    return Patterns(tree).run(tree)


__all__ = ["SEVERITY", "pattern_hits", "words"]
