"""The ``extra`` functions that code shapes name: placeholder values drawn with the example's random generator.

A shape in ``content/code_shapes/*.yaml`` may name one (``extra: secret``); ``code_render.render`` calls it
with the family's base values, the random generator and the family, and fills the shape with what it returns.
They build small code fragments (an SQL call written one of several ways, a fake password) that depend on
draws, which is why they are code and not content. The order of draws is part of the shipped data: changing
it changes every later example.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable

from tools.datagen.content import Family

WORDS = ("Summer", "Harbor", "Falcon", "Maple", "Orbit", "Copper", "Velvet", "Granite", "Willow", "Meteor")


def fake_password(r: random.Random) -> str:
    return r.choice(WORDS) + r.choice(WORDS).lower() + str(r.randint(10, 9999)) + r.choice("!#%*?")


def fake_token(r: random.Random) -> str:
    body = "".join(r.choice(string.ascii_letters + string.digits) for _ in range(r.choice([24, 32, 40])))
    return r.choice(["", "sk_live_", "tok_", "key-", ""]) + body


def _x_secret(v: dict, r: random.Random, fam: Family) -> dict:
    return {"secret": fake_password(r), "token": fake_token(r),
            "tok_const": r.choice(["API_TOKEN", "ACCESS_TOKEN", f"{fam.short.upper()}_API_TOKEN"]),
            "db_user": r.choice([f"{fam.short}_app", f"{fam.short}_rw", "service"])}


PBKDF2_HASH = (
    "salt = os.urandom(16)\n"
    'digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 600_000)\n'
    'return salt.hex() + "$$" + digest.hex()'
)


SCRYPT_HASH = (
    "salt = os.urandom(16)\n"
    'digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=2**14, r=8, p=1)\n'
    'return salt.hex() + "$$" + digest.hex()'
)


def _x_hash(v: dict, r: random.Random, fam: Family) -> dict:
    algo = r.choice(["md5", "sha1"])
    bad = r.choice([f'hashlib.{algo}(password.encode("utf-8")).hexdigest()',
                    f'hashlib.new("{algo}", password.encode("utf-8")).hexdigest()'])
    people = {"user": "users", "account": "accounts", "member": "members", "profile": "profiles",
              "customer": "customers", "employee": "employees"}
    acct = v["entity"] if v["entity"] in people else r.choice(["user", "account"])
    return {"bad_hash": bad, "good_hash": r.choice([PBKDF2_HASH, SCRYPT_HASH]), "algo": algo,
            "acct": acct, "accts": people[acct], "acct_table": people[acct]}


def _x_rand(v: dict, r: random.Random, fam: Family) -> dict:
    n = r.choice([24, 32, 48])
    bad = r.choice([
        f'alphabet = string.ascii_letters + string.digits\nreturn "".join(random.choice(alphabet) for _ in range({n}))',
        'return "%032x" % random.getrandbits(128)',
        f'return "".join(random.choices(string.ascii_letters + string.digits, k={n}))',
    ])
    good = r.choice([f"return secrets.token_urlsafe({n})", "return secrets.token_hex(16)"])
    imp2 = "import string" if "string." in bad else "import random"
    return {"bad_tok": bad, "good_tok": good, "bad_imp2": imp2}


def _x_tls(v: dict, r: random.Random, fam: Family) -> dict:
    return {"method": r.choice(["get", "get", "post"]),
            "kw": r.choice(["params", "params", "json"])}


def sql_bad(r: random.Random, before: str, arg: str, after: str = "", quote: bool = True) -> str:
    """A Python expression that splices ``arg`` into SQL text."""
    q = "'" if quote else ""
    style = r.choice(["f", "f", "pct", "plus", "fmt"])
    if style == "f":
        return f'f"{before}{q}{{{arg}}}{q}{after}"'
    if style == "pct":
        return f'"{before}{q}%s{q}{after}" % {arg}'
    if style == "plus":
        val = arg if quote else f"str({arg})"
        return f'"{before}{q}" + {val} + "{q}{after}"'
    return f'"{before}{q}{{}}{q}{after}".format({arg})'


def _stmt(r: random.Random, call: str, query: str, params: str = "") -> str:
    """``call(query[, params])`` in one line, or with the query in a variable first."""
    tail = f", {params}" if params else ""
    if r.random() < 0.35:
        name = r.choice(["query", "sql", "stmt"])
        return f"{name} = {query}\n{call}({name}{tail})"
    return f"{call}({query}{tail})"


def _x_lookup(v: dict, r: random.Random, fam: Family) -> dict:
    cur = v["cur"]
    before = "SELECT * FROM $table WHERE $field = "
    return {"bad_q": _stmt(r, f"{cur}.execute", sql_bad(r, before, "$arg")),
            "good_q": _stmt(r, f"{cur}.execute", '"SELECT * FROM $table WHERE $field = ?"', "($arg,)")}


def _x_update(v: dict, r: random.Random, fam: Family) -> dict:
    e = v["entity"]
    style = r.choice(["f", "plus", "pct"])
    if style == "f":
        q = f'f"UPDATE $table SET $field = \'{{new_value}}\' WHERE id = {{{e}_id}}"'
    elif style == "plus":
        q = f'"UPDATE $table SET $field = \'" + new_value + "\' WHERE id = " + str({e}_id)'
    else:
        q = f'"UPDATE $table SET $field = \'%s\' WHERE id = %d" % (new_value, {e}_id)'
    return {"bad_q": f"$cur = $conn.execute({q})",
            "good_q": f'$cur = $conn.execute("UPDATE $table SET $field = ? WHERE id = ?", (new_value, {e}_id))'}


def _x_insert(v: dict, r: random.Random, fam: Family) -> dict:
    f1, f2 = v["field"], v["field2"]
    style = r.choice(["f", "pct", "fmt"])
    head = "INSERT INTO $table ($field, $field2) VALUES "
    if style == "f":
        q = f'f"{head}(\'{{{f1}}}\', \'{{{f2}}}\')"'
    elif style == "pct":
        q = f'"{head}(\'%s\', \'%s\')" % ({f1}, {f2})'
    else:
        q = f'"{head}(\'{{}}\', \'{{}}\')".format({f1}, {f2})'
    return {"bad_q": _stmt(r, "$conn.execute", q),
            "good_q": _stmt(r, "$conn.execute", f'"{head}(?, ?)"', f"({f1}, {f2})")}


def _x_search(v: dict, r: random.Random, fam: Family) -> dict:
    head = "SELECT id, $field FROM $table WHERE $field LIKE "
    if r.random() < 0.5:
        q = f'f"{head}\'%{{term}}%\'"'
    else:
        q = f'"{head}\'%" + term + "%\'"'
    return {"bad_q": f"$rows = $conn.execute({q}).fetchall()",
            "good_q": f'$rows = $conn.execute("{head}?", (f"%{{term}}%",)).fetchall()'}


def _x_delete(v: dict, r: random.Random, fam: Family) -> dict:
    before = "DELETE FROM $table WHERE $field = "
    return {"bad_q": _stmt(r, "$cur.execute", sql_bad(r, before, "$arg")),
            "good_q": _stmt(r, "$cur.execute", f'"{before}%s"', "($arg,)")}


def _x_count(v: dict, r: random.Random, fam: Family) -> dict:
    before = "SELECT COUNT(*) FROM $table WHERE $field = "
    return {"bad_q": f"row = $conn.execute({sql_bad(r, before, '$arg')}).fetchone()",
            "good_q": f'row = $conn.execute("{before}?", ($arg,)).fetchone()'}


def _x_tool(v: dict, r: random.Random, fam: Family) -> dict:
    tool = r.choice(fam.tools)
    x = tool.arg
    argv = ", ".join(x if a == "{x}" else f'"{a}"' for a in tool.argv)
    text = " ".join(tool.argv).replace("{x}", "{" + x + "}")
    head, _, tail = text.partition("{" + x + "}")
    plus = (f'"{head}" + {x}' if head else x) + (f' + "{tail}"' if tail else "")
    prog = tool.argv[0].rsplit("/", 1)[-1]
    return {"x": x, "x_h": x.replace("_", " "), "does": tool.does, "prog": prog,
            "prog_id": re.sub(r"\W", "_", prog), "argv": f"[{argv}]", "cmd": f'f"{text}"', "cmd_plus": plus}


def _x_system(v: dict, r: random.Random, fam: Family) -> dict:
    out = _x_tool(v, r, fam)
    return out | {"shell_call": r.choice([f"os.system({out['cmd']})", f"os.system({out['cmd_plus']})"])}


def _x_shell(v: dict, r: random.Random, fam: Family) -> dict:
    out = _x_tool(v, r, fam)
    cmd = r.choice([out["cmd"], out["cmd_plus"]])
    bad = r.choice([
        f"result = subprocess.run({cmd}, shell=True, capture_output=True, text=True, check=True)\n"
        "return result.stdout",
        f"return subprocess.check_output({cmd}, shell=True, text=True)",
    ])
    good = (f"result = subprocess.run({out['argv']}, capture_output=True, text=True, check=True)\n"
            "return result.stdout")
    return out | {"bad_run": bad, "good_run": good}


def _x_route(v: dict, r: random.Random, fam: Family) -> dict:
    out = _x_tool(v, r, fam)
    bad = r.choice([
        f"output = os.popen({out['cmd']}).read()",
        f"output = subprocess.run({out['cmd']}, shell=True, capture_output=True, text=True, timeout=30).stdout",
        f"output = subprocess.getoutput({out['cmd_plus']})",
    ])
    good = f"output = subprocess.run({out['argv']}, capture_output=True, text=True, timeout=30).stdout"
    bad_imp = "import os" if "popen" in bad else "import subprocess"
    return out | {"bad_run": bad, "good_run": good, "bad_imp": bad_imp}


def _x_modes(v: dict, r: random.Random, fam: Family) -> dict:
    return {"bad_mode": r.choice(["0o777", "0o666", "0o766", "0o776"]),
            "good_file": r.choice(["0o600", "0o640", "0o644"]), "good_private": r.choice(["0o600", "0o400"]),
            "good_dir": "0o700"}


def _x_heading(v: dict, r: random.Random, fam: Family) -> dict:
    tag = r.choice(["h1", "h2"])
    lead = r.choice(["Results for", "$Entity list for", "Showing $ents_h for"])
    return {"bad_ret": f'return f"<{tag}>{lead} {{$arg}}</{tag}><ul>{{items}}</ul>"',
            "good_ret": f'return f"<{tag}>{lead} {{escape($arg)}}</{tag}><ul>{{items}}</ul>"'}


def _x_debug(v: dict, r: random.Random, fam: Family) -> dict:
    port = v["port"]
    bad = r.choice([f'app.run(debug=True, port={port})', 'app.run(debug=True)',
                    f'app.run(host="127.0.0.1", port={port}, debug=True)'])
    good = r.choice([f'app.run(port={port})', 'app.run()', f'app.run(host="127.0.0.1", port={port})'])
    return {"bad_run": bad, "good_run": good}


def _x_jwt(v: dict, r: random.Random, fam: Family) -> dict:
    return {"key_const": r.choice(["JWT_SECRET", "SIGNING_KEY", "JWT_KEY"])}


Extra = Callable[[dict[str, str], random.Random, Family], dict[str, str]]
EXTRAS: dict[str, Extra] = {name[3:]: fn for name, fn in dict(globals()).items() if name.startswith("_x_")}
