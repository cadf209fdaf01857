"""What a value is worth to the taint analysis: sources of untrusted data, sanitisers, string builders."""

from __future__ import annotations

import ast
import re
from dataclasses import replace

from emwatch.scan._scope import Scope
from emwatch.scan._taint import ATTACK, CLEAN, Taint, build, const_str, dotted, last, union

ALL_CLASSES = ("sql_injection", "command_injection", "path_traversal", "code_injection", "xss", "ssrf",
               "open_redirect", "xxe")

_REQUEST_NAMES = {"request", "req"}
_REQUEST_NOT_DATA = {"method", "user", "session", "app", "scheme", "is_secure", "is_json", "auth", "endpoint",
                     "blueprint", "url_rule", "view_args_", "environ_", "build_absolute_uri", "is_ajax",
                     "remote_user", "resolver_match", "META_", "content_length", "mimetype", "content_type",
                     "accept_mimetypes", "is_authenticated", "site", "LANGUAGE_CODE"}
_REQUEST_TEXT = {"data", "body", "path", "full_path", "url", "query_string", "host", "base_url", "referrer",
                 "remote_addr"}


def source_attribute(qn: str | None, node: ast.AST, scope: Scope) -> Taint | None:
    """Taint of a Name/Attribute (or subscript base) that is itself a source of untrusted data."""
    if qn in ("sys.argv", "sys.stdin", "sys.stdin.buffer"):
        return Taint(kinds=frozenset({"cli"}))
    if qn in ("os.environ", "os.environb"):
        return Taint(kinds=frozenset({"env"}))
    name = dotted(node)
    if not name:
        return None
    parts = name.split(".")
    if scope.http_class and parts[0] == "self" and len(parts) > 1 and parts[1] in ("path", "headers", "rfile"):
        return Taint(kinds=frozenset({"user"}), strish=parts[1] == "path")
    for i, p in enumerate(parts[:-1]):
        if p in _REQUEST_NAMES and parts[:i] in ([], ["self"], ["flask"], ["bottle"], ["cherrypy"]):
            bound = scope.env.get(p) if i == 0 else None
            if bound is not None and not bound.has({"user", "param", "free"}):
                return None
            attr = parts[i + 1]
            if attr in _REQUEST_NOT_DATA:
                return None
            return Taint(kinds=frozenset({"user"}), strish=attr in _REQUEST_TEXT)
    return None


# ---------------------------------------------------------------- calls

_CLI_CALLS = {"input", "raw_input", "getpass.getpass", "click.prompt", "typer.prompt"}
_CLI_METHODS = {"parse_args", "parse_known_args"}
_USER_METHODS = {"recv", "recvfrom", "recv_into", "recvmsg", "receive", "receive_text", "receive_json",
                 "receive_bytes", "get_argument", "get_arguments",
                 "get_query_argument", "get_query_arguments", "get_body_argument", "get_body_arguments",
                 "get_cookie", "get_json", "get_data"}
_ENV_CALLS = {"os.getenv", "os.environ.get", "os.getenvb", "os.environ.setdefault", "decouple.config"}
_IO_METHODS = {"read", "readline", "readlines", "read_text", "read_bytes", "readall", "read1", "getvalue"}
_FETCH_PREFIXES = ("requests.", "httpx.", "urllib.request.urlopen", "urllib2.urlopen", "urllib.urlopen",
                   "aiohttp.")
_CRYPTO = {"uuid.uuid4", "os.urandom", "random.SystemRandom", "Crypto.Random.get_random_bytes",
           "ssl.RAND_bytes", "nacl.utils.random"}
_RAND_HASH_KEEP = frozenset({"rand", "crypto"})

_CLEAR_ALL = {"int", "float", "bool", "len", "abs", "round", "ord", "hash", "complex", "id", "uuid.UUID",
              "decimal.Decimal", "url_for", "flask.url_for", "django.urls.reverse", "django.shortcuts.reverse",
              "reverse", "isinstance", "callable", "datetime.datetime.strptime", "datetime.date.fromisoformat",
              "datetime.datetime.fromisoformat", "time.time", "math.floor", "math.ceil"}
_BOOL_METHODS = {"isdigit", "isalnum", "isalpha", "isnumeric", "isdecimal", "isidentifier", "startswith",
                 "endswith", "count", "find", "index", "rfind", "rindex", "exists", "is_file", "is_dir",
                 "isfile", "isdir", "hexdigest", "digest", "fetchone_count"}
_MARKS = {
    "command_injection": {"shlex.quote", "pipes.quote", "shlex.join"},
    "xss": {"html.escape", "cgi.escape", "markupsafe.escape", "flask.escape", "jinja2.escape",
            "django.utils.html.escape", "django.utils.html.conditional_escape", "bleach.clean",
            "xml.sax.saxutils.escape", "xml.sax.saxutils.quoteattr", "werkzeug.utils.escape", "escape",
            "django.utils.html.format_html", "format_html", "markupsafe.Markup.escape", "nh3.clean"},
    "path_traversal": {"os.path.basename", "posixpath.basename", "ntpath.basename",
                       "werkzeug.utils.secure_filename", "secure_filename", "werkzeug.security.safe_join",
                       "werkzeug.utils.safe_join", "flask.safe_join", "django.utils._os.safe_join", "safe_join"},
    "sql_injection": {"psycopg2.sql.Identifier", "psycopg2.sql.Literal", "psycopg.sql.Identifier",
                      "psycopg.sql.Literal", "sqlalchemy.sql.quoted_name", "sqlalchemy.bindparam",
                      "pymysql.converters.escape_string", "MySQLdb.escape_string", "escape_string"},
}
_QUOTE = {"urllib.parse.quote", "urllib.parse.quote_plus", "urllib.quote", "urllib.quote_plus", "quote_plus"}
_NORMALISE = {"os.path.realpath", "os.path.abspath", "os.path.normpath", "posixpath.normpath"}
_JOINS = {"os.path.join", "posixpath.join", "ntpath.join", "urllib.parse.urljoin", "urlparse.urljoin"}
_PASSTHROUGH = {"str", "bytes", "repr", "format", "list", "tuple", "set", "dict", "sorted", "reversed",
                "getattr", "next", "iter", "max", "min", "sum", "map", "filter", "zip", "enumerate"}
_STR_METHODS = {"encode", "decode", "strip", "lstrip", "rstrip", "lower", "upper", "title", "capitalize",
                "casefold", "split", "rsplit", "splitlines", "partition", "rpartition", "replace", "zfill",
                "center", "ljust", "rjust", "removeprefix", "removesuffix", "swapcase", "translate", "expandtabs",
                "get", "getlist", "pop", "values", "keys", "items", "copy", "group", "groups", "groupdict"}
_SAFE_REGEX_CLASS = re.compile(r"^\[\^((a-z|A-Z|0-9|\\w|\\d|_|-|\\-|\s|\\s)+)\]\+?$")


def call_result(scope: Scope, node: ast.Call, qn: str, meth: str, recv: Taint, args: list[Taint],
                kws: dict[str, Taint]) -> Taint:
    """Taint of a call's result."""
    inputs = [recv, *args, *kws.values()]
    name = qn or meth
    tail = last(qn) or meth
    # sources
    if name in _CLI_CALLS:
        kinds = {"cli", "secret"} if name == "getpass.getpass" else {"cli"}
        return Taint(kinds=frozenset(kinds), strish=True)
    if name == "cgi.FieldStorage":
        return Taint(kinds=frozenset({"user"}))
    if meth in _CLI_METHODS and isinstance(node.func, ast.Attribute):
        return union(*inputs).with_kinds("cli")
    if meth in _USER_METHODS and isinstance(node.func, ast.Attribute):
        return replace(union(*inputs).with_kinds("user"), strish=meth.startswith("get_") or recv.strish)
    if name in _ENV_CALLS:
        return Taint(kinds=frozenset({"env"}), strish=True)
    if name == "tempfile.gettempdir":
        return Taint(prefix="/tmp")
    if name in _CRYPTO or name.startswith(("secrets.", "random.SystemRandom().")):
        return Taint(kinds=frozenset({"crypto"}))
    if name.startswith(("random.", "numpy.random.", "uuid.uuid1")) or ".Random()." in name:
        listed = bool(node.args) and isinstance(node.args[0], (ast.List, ast.Tuple, ast.Set))
        if tail in ("choice", "sample", "shuffle") and listed:
            return CLEAN  # picking one of a few listed options generates no secret
        return Taint(kinds=frozenset({"rand"}))
    if name.startswith(("hashlib.", "hmac.", "bcrypt.", "Crypto.Hash.")) or ".hexdigest" in name:
        kinds = frozenset().union(*(t.kinds for t in inputs)) & _RAND_HASH_KEEP
        return Taint(kinds=kinds)
    if meth in _IO_METHODS and isinstance(node.func, ast.Attribute):
        if meth in ("read_text", "read_bytes") or _disk_file(scope, node.func.value):  # a file's contents are not the request's data because the
            return Taint(kinds=frozenset({"io"}), strish=True)  # request chose its name (that is path_traversal)
        return replace(union(*inputs).with_kinds("io"), strish=True, prefix=None)
    if name.startswith(_FETCH_PREFIXES):
        return replace(union(*inputs).with_kinds("io"), prefix=None)
    # sanitisers
    if name in _CLEAR_ALL or (meth in _BOOL_METHODS and isinstance(node.func, ast.Attribute)):
        return randomness(union(*inputs))
    for cls, funcs in _MARKS.items():
        if name in funcs or tail in funcs and tail != "escape" or (cls == "xss" and tail == "escape"):
            return union(*args, *kws.values()).with_marks(cls)
    if name in _QUOTE or tail in ("quote", "quote_plus") and not qn.startswith(("shlex", "pipes")):
        return union(*args).with_marks("command_injection", "sql_injection", "xss", "code_injection")
    lowered = tail.lower()
    if "saniti" in lowered or lowered.startswith("clean_"):
        return union(*inputs).with_marks(*ALL_CLASSES)
    if "escape" in lowered:
        extra = ("sql_injection",) if "sql" in lowered or "string" in lowered else ()
        return union(*inputs).with_marks("xss", *extra)
    if name in ("os.listdir", "os.scandir", "os.walk") or (meth == "iterdir" and isinstance(node.func, ast.Attribute)):
        return union(*inputs).with_marks("path_traversal")  # entries of a directory: single names, no '..'
    if name in _NORMALISE or (meth in ("resolve", "absolute") and isinstance(node.func, ast.Attribute)):
        return union(*inputs).with_marks("norm")
    if tail in ("b64encode", "urlsafe_b64encode", "b32encode", "b16encode", "hexlify", "hex") and (
            qn.startswith(("base64.", "binascii.")) or meth == "hex"):
        return replace(union(*inputs), prefix=None, tail=False).with_marks(  # an alphabet without markup or quotes
            "sql_injection", "command_injection", "xss", "code_injection", "open_redirect", "ssrf")
    if tail in ("ip_address", "ip_network", "IPv4Address", "IPv6Address") and qn.startswith("ipaddress"):
        return union(*args).with_marks("sql_injection", "command_injection", "path_traversal", "xss",
                                       "code_injection")
    if name in ("re.sub", "regex.sub") and _strips_to_safe(node):
        return union(*args[2:]).with_marks(*ALL_CLASSES)
    if _query_builder(scope, node) or last(qn) in ("get_object_or_404", "get_list_or_404"):
        # ORM / query-builder calls bind their values as parameters, and what they return is stored data
        return Taint(kinds=frozenset({"unknown"}))
    if meth in ("format", "join") and isinstance(node.func, ast.Attribute) and _markup(scope, node.func.value):
        return replace(union(*args, *kws.values()), html=False, tail=False).with_marks("xss")  # Markup escapes them
    if meth in ("get", "pop", "setdefault") and isinstance(node.func, ast.Attribute) and args:
        # a lookup returns one of the mapping's values (or the default): the key does not flow into it
        t = union(recv, *args[1:], *kws.values())
        return replace(t, prefix=None, strish=recv.strish)
    # string and path builders
    if meth == "format" and isinstance(node.func, ast.Attribute):
        if dotted(node.func.value) is None and qn.endswith("SQL().format"):
            return union(*args, *kws.values()).with_marks("sql_injection")
        fmt = recv.prefix if not recv.kinds else None
        t = build([(recv, fmt), *((a, None) for a in [*args, *kws.values()])])
        return replace(t, prefix=fmt.split("{", 1)[0] if fmt is not None else None)
    if meth == "join" and isinstance(node.func, ast.Attribute) and name not in _JOINS:
        sep = recv.prefix if not recv.kinds else None
        items = union(*args)
        if not items.kinds and not recv.kinds:
            return Taint(strish=True)
        t = build([(recv, sep), (items, None)])
        return replace(t, prefix=None, tail=t.tail or bool(items.kinds & ATTACK))
    if name in _JOINS or meth == "joinpath":
        parts: list[tuple[Taint, str | None]] = []
        seq = [recv, *args] if meth == "joinpath" else args
        for i, a in enumerate(seq):
            if i:
                parts.append((CLEAN, "/"))
            parts.append((a, a.prefix if not a.kinds else None))
        return replace(build(parts), html=False, sqlish=False, strish=name in _JOINS)
    if tail in ("Path", "PurePath", "PosixPath") or name in ("pathlib.Path", "pathlib.PurePath"):
        return replace(union(*args), prefix=args[0].prefix if args else None)
    if name in _PASSTHROUGH or name in ("urllib.parse.urlparse", "urllib.parse.urlsplit", "urllib.parse.parse_qs",
                                       "urllib.parse.parse_qsl", "urllib.parse.unquote", "json.loads",
                                       "base64.b64decode", "base64.urlsafe_b64decode", "codecs.decode"):
        t = union(*args, *kws.values())
        return replace(t, strish=name in ("str", "format", "urllib.parse.unquote") and bool(t.kinds),
                       prefix=args[0].prefix if name == "str" and args else None)
    if meth == "replace" and len(node.args) >= 2 and const_str(node.args[0]) in ("/", "\\", "..") \
            and "/" not in (const_str(node.args[1]) or "/") and const_str(node.args[0]) != "..":
        return replace(union(*inputs), prefix=None).with_marks("path_traversal")  # no separators left
    if meth in _STR_METHODS and isinstance(node.func, ast.Attribute):
        t = union(*inputs)
        keep_prefix = meth in ("strip", "lstrip", "rstrip", "encode", "decode", "lower", "upper")
        return replace(t, prefix=recv.prefix if keep_prefix else None, strish=recv.strish)
    # unknown call: the result mixes its inputs; without tainted inputs its origin is unknown
    t = replace(union(*inputs), strish=False, html=False, sqlish=False, prefix=None)
    if isinstance(node.func, ast.Name) and node.func.id in ("open",):
        return t if t.kinds else Taint(kinds=frozenset({"unknown"}))
    if not t.kinds:
        return Taint(kinds=frozenset({"unknown"}))
    return t


_FILE_OPENERS = {"open", "io.open", "codecs.open", "pathlib.Path", "Path", "pathlib.PurePath", "gzip.open",
                 "bz2.open", "lzma.open", "aiofiles.open"}
_SQLA_BUILDERS = {"select", "insert", "update", "delete", "Table", "union", "exists"}
_ORM_METHODS = {"filter", "filter_by", "where", "values", "order_by", "group_by", "having", "limit", "offset",
                "join", "outerjoin", "returning", "get", "first", "all", "one", "one_or_none", "exclude",
                "create", "get_or_create", "update_or_create", "update", "delete", "annotate", "only", "defer",
                "select_from", "scalars", "scalar", "with_only_columns", "on_conflict_do_nothing",
                "on_conflict_do_update", "execution_options", "options", "count", "exists", "distinct"}


def _disk_file(scope: Scope, recv: ast.AST) -> bool:
    """`recv` is a file opened from the file system: open(...), Path(...), or a variable bound to one."""
    if isinstance(recv, ast.Call):
        qn = scope.an.imports.qualify(recv.func) or dotted(recv.func) or ""
        return qn in _FILE_OPENERS or last(qn) in ("open", "Path") and not qn.startswith(("urllib", "requests"))
    name = dotted(recv)
    ctor = scope.ctor.get(name or "")
    return ctor is not None and (ctor in _FILE_OPENERS or last(ctor) in ("open", "Path"))


def _query_builder(scope: Scope, node: ast.Call) -> bool:
    """A call of an ORM or query builder, which binds the values it is given as parameters:
    sqlalchemy select/insert/update/delete(...)[.where(...).values(...)...], session.query(M).filter(...),
    Model.query.filter_by(...), Model.objects.filter(...) (raw SQL entry points are sinks, not builders)."""
    cur: ast.AST = node
    methods = []
    while isinstance(cur, ast.Call) and isinstance(cur.func, ast.Attribute):
        methods.append(cur.func.attr)
        cur = cur.func.value
    if isinstance(cur, ast.Call):  # the chain starts with a function call: select(...), insert(...)
        qn = scope.an.imports.qualify(cur.func) or ""
        return qn.startswith(("sqlalchemy", "sqlmodel")) and last(qn) in _SQLA_BUILDERS and \
            all(m in _ORM_METHODS for m in methods)
    if not methods or not all(m in _ORM_METHODS or m == "query" for m in methods):
        return False
    base = dotted(cur) or ""
    parts = base.split(".")
    if methods[-1] == "query":  # session.query(Model)..., db.session.query(Model)...
        return "session" in parts[-1].lower()
    return len(parts) == 2 and parts[0][:1].isupper() and parts[1] in ("objects", "query")  # Model.objects / .query


def _markup(scope: Scope, recv: ast.AST) -> bool:
    """`recv` is Markup built from a constant: its format() and join() escape their arguments."""
    if not (isinstance(recv, ast.Call) and recv.args and const_str(recv.args[0]) is not None):
        return False
    qn = scope.an.imports.qualify(recv.func) or ""
    return last(qn) == "Markup"


def randomness(t: Taint) -> Taint:
    """What survives a sanitiser that leaves only a number or a fixed alphabet: its randomness."""
    return Taint(kinds=t.kinds & _RAND_HASH_KEEP) if t.kinds & _RAND_HASH_KEEP else CLEAN


def _strips_to_safe(node: ast.Call) -> bool:
    """re.sub(r'[^A-Za-z0-9_-]', '', s): everything but a safe alphabet is removed."""
    pattern = const_str(node.args[0]) if node.args else None
    repl = const_str(node.args[1]) if len(node.args) > 1 else None
    if pattern is None or repl is None or any(c in repl for c in "./\\;|&$`'\"<>"):
        return False
    return bool(_SAFE_REGEX_CLASS.match(pattern))
