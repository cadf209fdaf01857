"""Sinks of the taint analysis: where untrusted data must not arrive unsanitised, one rule per class."""

from __future__ import annotations

import ast
import re

from emwatch.scan._scope import Scope
from emwatch.scan._taint import (
    ATTACK,
    TMP_DIRS,
    Taint,
    const_str,
    dotted,
    is_false,
    is_sensitive_rand_name,
    is_true,
    kwarg,
    last,
)

USER = frozenset({"user"})
SHELL_INPUT = ATTACK | {"env", "unknown"}
# SSRF needs a URL from a remote client; a helper that fetches the URL its caller gives it is not flagged
# (as open(path) of a bare parameter is not), following CWE-918 and the usual SAST rules.
FETCH_INPUT = USER
ANY = frozenset({"user", "param", "io", "free", "cli", "env", "unknown", "secret", "rand", "crypto"})

_SQL_METHODS = {"execute", "executemany", "executescript", "raw", "read_sql", "read_sql_query", "exec_driver_sql"}
_SQL_FUNCS = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
              "django.db.models.expressions.RawSQL", "django.db.models.RawSQL", "pandas.read_sql",
              "pandas.read_sql_query"}
_SHELL_FUNCS = {"os.system", "os.popen", "os.popen2", "os.popen3", "os.popen4", "commands.getoutput",
                "commands.getstatusoutput", "subprocess.getoutput", "subprocess.getstatusoutput", "pty.spawn",
                "asyncio.create_subprocess_shell", "popen2.popen2", "popen2.popen3"}
_SUBPROCESS = {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
               "subprocess.Popen", "asyncio.create_subprocess_exec", "os.execl", "os.execlp", "os.execv",
               "os.execvp", "os.spawnl", "os.spawnlp", "os.spawnv", "os.spawnvp"}
_SHELLS = {"sh", "bash", "/bin/sh", "/bin/bash", "zsh", "/bin/zsh", "cmd", "cmd.exe", "powershell", "pwsh",
           "/usr/bin/bash", "/usr/bin/sh", "dash", "ksh"}
_PICKLES = {"pickle.load", "pickle.loads", "cPickle.load", "cPickle.loads", "_pickle.load", "_pickle.loads",
            "dill.load", "dill.loads", "cloudpickle.load", "cloudpickle.loads", "marshal.load", "marshal.loads",
            "jsonpickle.decode", "jsonpickle.loads", "pickle.Unpickler", "dill.Unpickler"}
_PICKLE_FILES = {"pandas.read_pickle", "joblib.load", "shelve.open", "sklearn.externals.joblib.load"}
_STDLIB_XML = re.compile(r"^xml\.(etree\.(c?ElementTree)|dom\.(minidom|pulldom|expatbuilder)|sax)\."
                         r"(parse|fromstring|XML|iterparse|parseString|fromstringlist)$")
_LXML_PARSE = re.compile(r"^lxml\.(etree|objectify)\.(parse|fromstring|XML|iterparse|fromstringlist)$")
_FETCH = re.compile(r"^(requests|httpx)\.(get|post|put|patch|delete|head|options|request|stream)$|"
                    r"^(urllib\.request\.(urlopen|Request|urlretrieve)|urllib2\.urlopen|urllib\.urlopen|"
                    r"urllib\.urlretrieve)$|"
                    r"^(requests\.(Session|session)|httpx\.(Client|AsyncClient)|aiohttp\.ClientSession|"
                    r"urllib3\.PoolManager)\(\)\.(get|post|put|patch|delete|head|options|request|stream|urlopen)$")
_HOSTS = {"http.client.HTTPConnection", "http.client.HTTPSConnection", "socket.create_connection",
          "ftplib.FTP", "smtplib.SMTP"}
_REDIRECTS = {"redirect", "HttpResponseRedirect", "HttpResponsePermanentRedirect", "RedirectResponse", "HTTPFound",
              "HTTPSeeOther", "HTTPTemporaryRedirect", "HTTPMovedPermanently"}
_RESPONSES = {"make_response", "Response", "HttpResponse", "HTMLResponse", "StreamingHttpResponse"}
_MARKUP = {"markupsafe.Markup", "flask.Markup", "jinja2.Markup", "Markup", "django.utils.safestring.mark_safe",
           "mark_safe", "django.utils.safestring.SafeString", "SafeString"}
_TEMPLATES = {"flask.render_template_string", "render_template_string", "jinja2.Template", "mako.template.Template",
              "jinja2.Environment().from_string", "Environment().from_string", "django.template.Template"}
_PATH_FUNCS = {"open": (0, "file"), "io.open": (0, "file"), "codecs.open": (0, "filename"), "os.open": (0, "path"),
               "builtins.open": (0, "file"), "flask.send_file": (0, "path_or_file"), "send_file": (0, "path_or_file"),
               "os.remove": (0, "path"), "os.unlink": (0, "path"), "os.rmdir": (0, "path"),
               "os.removedirs": (0, "name"), "shutil.rmtree": (0, "path"), "os.listdir": (0, "path"),
               "os.scandir": (0, "path"), "shutil.copy": (0, "src"), "shutil.copyfile": (0, "src"),
               "shutil.copy2": (0, "src"), "shutil.move": (0, "src"), "os.rename": (0, "src"),
               "os.replace": (0, "src"), "aiofiles.open": (0, "file"), "django.http.FileResponse": (0, None),
               "FileResponse": (0, None), "fastapi.responses.FileResponse": (0, "path"),
               "starlette.responses.FileResponse": (0, "path"), "static_file": (0, "filename")}
_PATH_DEST = {"shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move", "os.rename", "os.replace"}
_PATH_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "touch", "iterdir"}
_WRITE_METHODS = {"write_text", "write_bytes", "touch", "save", "to_csv", "to_json", "to_pickle", "to_parquet",
                  "savefig", "to_excel"}
_WEAK_HASH = {"hashlib.md5", "hashlib.sha1", "hashlib.sha224", "Crypto.Hash.MD5.new", "Crypto.Hash.SHA.new",
              "Crypto.Hash.SHA1.new", "Cryptodome.Hash.MD5.new", "Cryptodome.Hash.SHA1.new", "md5.new", "sha.new"}
_FAST_HASH = {"hashlib.sha256", "hashlib.sha512", "hashlib.sha384", "hashlib.sha3_256", "hashlib.sha3_512",
              "hashlib.blake2b", "hashlib.blake2s"}


def _pick(node: ast.Call, args: list[Taint], kws: dict[str, Taint], index: int, *names: str) -> Taint | None:
    for n in names:
        if n in kws:
            return kws[n]
    return args[index] if index < len(args) else None


def _pick_node(node: ast.Call, index: int, *names: str) -> ast.AST | None:
    for n in names:
        v = kwarg(node, n)
        if v is not None:
            return v
    return node.args[index] if index < len(node.args) else None


def _tainted(t: Taint | None, cls: str, kinds: frozenset[str] | set[str]) -> bool:
    return t is not None and t.has(kinds) and cls not in t.marks


def host_fixed(prefix: str | None) -> bool:
    """The leading constant text fixes the host ('https://api.example.com/...') or a same-site path."""
    if not prefix:
        return False
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#@{}]+[/?#]", prefix))


def same_site(prefix: str | None) -> bool:
    return bool(prefix) and (host_fixed(prefix) or bool(re.match(r"^/[^/\\]", prefix)))


def check_call(sc: Scope, node: ast.Call, qn: str, meth: str, recv: Taint, args: list[Taint],
               kws: dict[str, Taint]) -> None:
    name = qn or meth
    tail = last(qn) or meth
    is_method = isinstance(node.func, ast.Attribute)

    # ---- SQL injection: a query string built from untrusted data (parameterised calls pass values apart)
    if (is_method and meth in _SQL_METHODS) or name in _SQL_FUNCS or (tail == "text" and "sqlalchemy" in name):
        q = _pick(node, args, kws, 0, "sql", "query", "statement", "operation", "sql_script")
        bad = q is not None and "sql_injection" not in q.marks and ((q.tail and q.has(ATTACK)) or q.has(USER))
        if q is not None and (meth != "raw" or q.sqlish or bad):
            sc.sink("sql_injection", node, "emw-sql-exec", f"SQL built from untrusted data passed to {tail}()", bad, q)
    if is_method and meth == "extra":
        bad = [t for t in kws.values() if (t.tail or t.has(USER)) and t.has(ATTACK) and "sql_injection" not in t.marks]
        sc.sink("sql_injection", node, "emw-sql-extra", "untrusted data in QuerySet.extra()", bool(bad),
                bad[0] if bad else None)

    # ---- command injection
    if name in _SHELL_FUNCS or (is_method and meth == "exec_command"):
        cmd = _pick(node, args, kws, 0, "command", "cmd")
        kinds = ATTACK if meth == "exec_command" else SHELL_INPUT
        sc.sink("command_injection", node, "emw-cmd-shell", f"shell command from untrusted data in {tail}()",
                _tainted(cmd, "command_injection", kinds), cmd)
    elif name in _SUBPROCESS or name.startswith("subprocess."):
        shell = kwarg(node, "shell")
        cmd_node = _pick_node(node, 0, "args")
        cmd = _pick(node, args, kws, 0, "args")
        if shell is not None and not is_false(shell):
            sc.sink("command_injection", node, "emw-cmd-shell-true", f"{tail}(shell=True) with an untrusted command",
                    _tainted(cmd, "command_injection", SHELL_INPUT), cmd)
        else:
            if isinstance(cmd_node, (ast.List, ast.Tuple)):
                seq = cmd_node.elts
            else:
                seq = node.args[1:] if name.startswith("os.") else []
            consts = [const_str(e) for e in seq]
            hit = None
            for i in range(len(seq) - 2):
                prog = (consts[i] or "").rsplit("/", 1)[-1]
                if (consts[i] in _SHELLS or prog in _SHELLS) and consts[i + 1] in ("-c", "/c", "/C", "-Command"):
                    hit = sc.ev(seq[i + 2])
            if hit is not None or cmd is not None:
                sc.sink("command_injection", node, "emw-cmd-sh-c", "untrusted data run through a shell's -c",
                        _tainted(hit, "command_injection", SHELL_INPUT), hit)

    # ---- code injection
    if isinstance(node.func, ast.Name) and node.func.id in ("eval", "exec", "compile", "execfile") \
            and node.func.id not in sc.an.bound:
        src = args[0] if args else None
        sc.sink("code_injection", node, "emw-code-eval", f"{node.func.id}() of a non-constant expression",
                _tainted(src, "code_injection", ANY - {"crypto"}), src)
    elif name in ("__import__", "importlib.import_module"):
        src = args[0] if args else None
        sc.sink("code_injection", node, "emw-code-import", "module imported by a name from untrusted input",
                _tainted(src, "code_injection", USER), src)

    # ---- unsafe deserialization
    if name in _PICKLES or (is_method and meth == "load" and ".Unpickler()" in name):
        data = args[0] if args else next(iter(kws.values()), None)
        sc.sink("unsafe_deserialization", node, "emw-deser-pickle", f"{name}() deserialises arbitrary objects",
                data is None or bool(data.kinds) or ".Unpickler()" in name, data)
    elif name in _PICKLE_FILES or (name == "numpy.load" and is_true(kwarg(node, "allow_pickle"))):
        data = args[0] if args else None
        sc.sink("unsafe_deserialization", node, "emw-deser-file", f"{name}() of an untrusted file unpickles it",
                _tainted(data, "unsafe_deserialization", ATTACK | {"unknown"}), data)
    elif name == "torch.load" and not is_true(kwarg(node, "weights_only")):
        data = args[0] if args else None
        sc.sink("unsafe_deserialization", node, "emw-deser-torch", "torch.load without weights_only=True",
                _tainted(data, "unsafe_deserialization", ATTACK), data)
    elif name in ("yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.unsafe_load_all", "yaml.full_load",
                  "yaml.full_load_all", "ruamel.yaml.load"):
        loader = dotted(_pick_node(node, 1, "Loader")) or ""
        safe = name in ("yaml.load", "yaml.load_all") and loader.endswith(("SafeLoader", "CSafeLoader", "BaseLoader"))
        sc.sink("unsafe_deserialization", node, "emw-deser-yaml", f"{name}() without SafeLoader", not safe)

    # ---- XSS
    if name in _TEMPLATES or tail == "render_template_string" or (is_method and meth == "from_string"):
        tmpl = _pick(node, args, kws, 0, "source", "text")
        bad = _tainted(tmpl, "xss", USER) or (tmpl is not None and tmpl.tail and _tainted(tmpl, "xss", ATTACK))
        text = const_str(_pick_node(node, 0, "source", "text")) or ""
        if re.search(r"\|\s*safe\b|autoescape\s+false", text, re.IGNORECASE) and any(
                t.has(ATTACK) for t in [*args[1:], *kws.values()]):
            bad = True  # untrusted values rendered with escaping switched off
        sc.sink("xss", node, "emw-xss-template", "template built from untrusted data (XSS / template injection)",
                bad, tmpl)
    elif name in _MARKUP or tail in ("Markup", "mark_safe"):
        val = args[0] if args else None
        sc.sink("xss", node, "emw-xss-markup", f"{tail}() marks untrusted data as safe HTML",
                _tainted(val, "xss", ATTACK | {"unknown"}), val)
    elif tail in _RESPONSES and not is_method or name in ("flask.Response", "django.http.HttpResponse"):
        body = _pick(node, args, kws, 0, "content", "response", "body", "text")
        ctype = const_str(kwarg(node, "mimetype") or kwarg(node, "content_type") or kwarg(node, "media_type"))
        html = ctype is None or "html" in ctype
        kinds = ATTACK if tail == "HTMLResponse" else USER
        if html and sc.handler and body is not None and _stored_html(body):
            sc.sink("xss", node, "emw-xss-stored", "response HTML built from stored data without escaping", True, body)
        sc.sink("xss", node, "emw-xss-response", "response body built from request data without escaping",
                html and _tainted(body, "xss", kinds) and body.strish, body)
    elif is_method and meth == "write" and (dotted(node.func.value) or "").endswith(("wfile", "self")) and (
            sc.http_class or sc.handler):
        body = args[0] if args else None
        sc.sink("xss", node, "emw-xss-write", "request data written into the HTML response without escaping",
                _tainted(body, "xss", USER) and body.strish, body)

    # ---- path traversal
    spec = _PATH_FUNCS.get(name) or (_PATH_FUNCS.get(meth) if not is_method and meth == "open" else None)
    if spec is not None:
        p = _pick(node, args, kws, spec[0], *(spec[1:] if spec[1] else ()))
        _path_sink(sc, node, p, name)
        if name in _PATH_DEST:
            _path_sink(sc, node, _pick(node, args, kws, 1, "dst"), name)
        if tail == "open" and not is_method:
            mode = const_str(_pick_node(node, 1, "mode")) or "r"
            _tmp_sink(sc, node, p, any(c in mode for c in "wax+"))
    elif is_method and (meth in _PATH_METHODS or (meth == "open" and ("Path" in name or recv.tail))):
        _path_sink(sc, node, recv, meth)
        _tmp_sink(sc, node, recv, meth in _WRITE_METHODS or meth == "open")
    elif is_method and meth == "save" and recv.has(USER):  # uploaded file saved under a client-chosen name
        _path_sink(sc, node, _pick(node, args, kws, 0, "dst"), "save")
    if name in _PATH_DEST:
        _tmp_sink(sc, node, _pick(node, args, kws, 1, "dst"), True)
    elif is_method and meth in _WRITE_METHODS and args and meth not in _PATH_METHODS:
        _tmp_sink(sc, node, args[0], True)
    elif name in ("logging.FileHandler", "logging.basicConfig"):
        _tmp_sink(sc, node, _pick(node, args, kws, 0, "filename"), True)
    if is_method and meth in ("extractall", "extract") and ("tarfile" in name or "TarFile" in name):
        filt = kwarg(node, "filter")
        safe = (filt is not None and const_str(filt) != "fully_trusted") or kwarg(node, "members") is not None
        member = args[0] if meth == "extract" and args else None
        sc.sink("path_traversal", node, "emw-path-tar", f"tarfile {meth}() without a filter or member check",
                not safe, member)
    elif is_method and meth == "extractall" and "zipfile" in name:
        sc.sink("path_traversal", node, "emw-path-zip", "extractall() of an untrusted zip archive",
                _tainted(recv, "path_traversal", ATTACK), recv)
    elif name == "shutil.unpack_archive" and kwarg(node, "filter") is None:
        src = args[0] if args else None
        sc.sink("path_traversal", node, "emw-path-unpack", "unpack_archive() of an untrusted archive without a filter",
                _tainted(src, "path_traversal", ATTACK), src)

    # ---- SSRF
    if _FETCH.match(name) or name in _HOSTS:
        idx = 1 if tail in ("request",) and name.endswith(("request", "PoolManager().request")) else 0
        url = _pick(node, args, kws, idx, "url", "host", "address")
        bad = _tainted(url, "ssrf", FETCH_INPUT) and not host_fixed(url.prefix)
        sc.sink("ssrf", node, "emw-ssrf", f"{tail}() fetches a URL taken from the request", bad, url)

    # ---- open redirect
    header = (const_str(node.args[0]) or "") if is_method and meth == "send_header" and node.args else ""
    location = header.lower() == "location"
    if tail in _REDIRECTS or (is_method and meth == "redirect" and dotted(node.func.value) == "self") or location:
        url = _pick(node, args, kws, 1 if meth == "send_header" else 0, "location", "url", "redirect_to")
        _redirect_sink(sc, node, url)

    # ---- XXE
    sax = is_method and meth in ("parse", "parseString") and name.startswith("xml.sax.make_parser")
    if _STDLIB_XML.match(name) or sax:
        src = args[0] if args else _pick(node, args, kws, 0, "source", "string", "text")
        sc.sink("xxe", node, "emw-xxe-stdlib", f"{name}() parses untrusted XML with the stdlib parser",
                _tainted(src, "xxe", ATTACK), src)
    elif _LXML_PARSE.match(name):
        src = args[0] if args else _pick(node, args, kws, 0, "source", "text")
        has_parser = _pick_node(node, 1, "parser") is not None
        sc.sink("xxe", node, "emw-xxe-lxml", f"{name}() of untrusted XML without a hardened parser",
                not has_parser and _tainted(src, "xxe", ATTACK), src)

    # ---- weak password hashing
    update = is_method and meth == "update" and any(h + "()" in name for h in (*_WEAK_HASH, *_FAST_HASH, "hashlib.new"))
    if name in _WEAK_HASH or name in _FAST_HASH or (name == "hashlib.new" and args) or update:
        _hash_sink(sc, node, name, meth, args, kws)
    if name == "hashlib.pbkdf2_hmac":
        it = _pick_node(node, 3, "iterations")
        few = isinstance(it, ast.Constant) and isinstance(it.value, int) and it.value < 10000
        sc.sink("weak_password_hash", node, "emw-hash-pbkdf2", "PBKDF2 with too few iterations", few)

    # ---- a predictable /tmp path handed to code that may create or write it
    if name in ("os.makedirs", "os.mkdir", "os.mkfifo"):
        _tmp_sink(sc, node, args[0] if args else None, True)
    elif spec is None and not _tmp_use_ok(name, meth):
        for t in [*args, *kws.values()]:
            _tmp_sink(sc, node, t, True)

    # ---- weak randomness passed as a secret keyword argument or cookie
    if is_method and meth == "set_cookie":
        cookie = const_str(_pick_node(node, 0, "key")) or ""
        value = _pick(node, args, kws, 1, "value")
        if value is not None:
            check_named_value(sc, node, cookie or "session", value)
    for k in node.keywords:
        if k.arg and k.arg in kws and is_sensitive_rand_name(k.arg):
            check_named_value(sc, node, k.arg, kws[k.arg])


_TMP_READ_ONLY = {"os.remove", "os.unlink", "os.stat", "os.lstat", "os.listdir", "os.scandir", "shutil.rmtree",
                  "os.rmdir", "os.access", "glob.glob", "pathlib.Path", "Path", "str", "print", "len", "repr",
                  "format", "isinstance", "sorted", "list", "os.fspath", "open"}
_TMP_READ_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "format",
                     "join", "startswith", "endswith", "exists", "is_file", "is_dir", "read_text", "read_bytes",
                     "stat", "unlink", "append", "get", "replace", "strip", "split", "encode", "lower"}


def _tmp_use_ok(name: str, meth: str) -> bool:
    return name.startswith(("os.path.", "posixpath.", "logging.", "tempfile.")) or name in _TMP_READ_ONLY \
        or meth in _TMP_READ_METHODS


def _path_sink(sc: Scope, node: ast.AST, p: Taint | None, what: str) -> None:
    if p is None:
        return
    bad = "path_traversal" not in p.marks and (p.has(USER) or (p.ptail and p.has(ATTACK)))
    sc.sink("path_traversal", node, "emw-path", f"{what}() on a path built from untrusted input", bad, p)


def _tmp_sink(sc: Scope, node: ast.AST, p: Taint | None, writes: bool) -> None:
    if p is None or not writes or p.prefix is None:
        return
    head = next((d for d in TMP_DIRS if p.prefix.startswith(d + "/")), None)
    if head is not None and len(p.prefix) > len(head) + 1 and not p.has({"crypto", "rand"}):
        sc.sink("insecure_temp_file", node, "emw-tmp-fixed", f"writes a predictable temporary path {p.prefix!r}", True)


def _redirect_sink(sc: Scope, node: ast.AST, url: Taint | None) -> None:
    if url is None:
        return
    bad = _tainted(url, "open_redirect", USER) and not same_site(url.prefix)
    sc.sink("open_redirect", node, "emw-redirect", "redirect to a URL taken from the request", bad, url)


def _hash_sink(sc: Scope, node: ast.Call, name: str, meth: str, args: list[Taint], kws: dict[str, Taint]) -> None:
    algo = name
    data = args[0] if args else kws.get("data") or kws.get("string")
    if name == "hashlib.new" or "hashlib.new()" in name:
        algo_name = (const_str(node.args[0]) if node.args and name == "hashlib.new" else None) or ""
        if name == "hashlib.new":
            data = args[1] if len(args) > 1 else kws.get("data")
        weak = algo_name.lower().replace("-", "") in ("md5", "sha1", "sha224", "md4")
        algo = f"hashlib.new({algo_name!r})"
    else:
        weak = any(name.startswith(h) for h in _WEAK_HASH)
    if not weak:  # a fast general-purpose hash is weak for passwords when unsalted
        weak = data is not None and not any("salt" in r.lower() for r in data.roots)
    if is_false(kwarg(node, "usedforsecurity")):
        weak = False
    bad = weak and data is not None and data.has({"secret"})
    sc.sink("weak_password_hash", node, "emw-hash-password", f"password hashed with fast hash {algo}", bad)


def check_return(sc: Scope, stmt: ast.Return, t: Taint) -> None:
    value = stmt.value
    if isinstance(value, ast.Tuple) and value.elts:
        t = sc.ev(value.elts[0])
    if isinstance(value, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)):
        return  # a list or dict is serialised as JSON by the web framework, not rendered as HTML
    if sc.handler and t.strish and _tainted(t, "xss", USER):
        sc.sink("xss", stmt, "emw-xss-return", "handler returns request data as HTML without escaping", True, t)
    elif t.html and t.tail and _tainted(t, "xss", ATTACK):
        sc.sink("xss", stmt, "emw-xss-html", "HTML built from untrusted input without escaping", True, t)
    elif sc.handler and _stored_html(t):
        sc.sink("xss", stmt, "emw-xss-stored", "handler returns HTML built from stored data without escaping", True, t)
    if sc.func_name and is_sensitive_rand_name(sc.func_name) and t.has({"rand"}):
        sc.sink("weak_randomness", stmt, "emw-rand-return",
                f"{sc.func_name}() returns a value from the non-cryptographic random module", True)


def _stored_html(t: Taint) -> bool:
    """HTML markup assembled with values read from a database or another unknown source (stored XSS)."""
    return t.html and t.strish and t.has({"unknown"}) and "xss" not in t.marks


def check_named_value(sc: Scope, node: ast.AST, name: str, t: Taint) -> None:
    if t.has({"rand"}) and is_sensitive_rand_name(name):
        sc.sink("weak_randomness", node, "emw-rand-secret",
                f"{name!r} comes from the non-cryptographic random module", True)


def check_subscript_store(sc: Scope, stmt: ast.AST, target: ast.Subscript, t: Taint) -> None:
    key = const_str(target.slice)
    if key is None:
        return
    check_named_value(sc, stmt, key, t)
    if key.lower() == "location" and (dotted(target.value) or "").endswith("headers"):
        _redirect_sink(sc, stmt, t)


def check_string(sc: Scope, node: ast.AST, t: Taint) -> None:
    """An SQL statement assembled by string building from untrusted data (even before it is executed)."""
    if t.sqlish and t.strish:
        bad = t.tail and t.has(ATTACK) and "sql_injection" not in t.marks
        sc.sink("sql_injection", node, "emw-sql-string", "SQL built by string formatting of untrusted data", bad, t)
