"""The false-positive kinds of issue 12, each fixed where it arises (sources, sanitisers, sinks, call sites),
with a vulnerable twin that must still be flagged. Snippets written for this test (not from the corpus)."""

from __future__ import annotations

import pytest

from emwatch.scan import find_vulnerabilities


def classes(code: str) -> set[str]:
    return {f.vuln_class for f in find_vulnerabilities(code)}


HELPER = '''
import subprocess

def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout

{callers}
'''


def test_helper_whose_every_caller_passes_a_constant_is_not_injection():
    safe = HELPER.format(callers='print(sh("whoami"), sh("df -h"))')
    assert "command_injection" not in classes(safe)
    # one caller passes outside input: the helper is injectable
    assert "command_injection" in classes(HELPER.format(callers='print(sh("whoami"), sh(input("cmd? ")))'))
    # no caller at all: its parameter stays untrusted (a helper shown on its own)
    assert "command_injection" in classes(HELPER.format(callers=""))
    # passed around as a value: callers unknown
    assert "command_injection" in classes(HELPER.format(callers='HANDLERS = {"run": sh}\nprint(sh("ls"))'))


def test_module_constant_arguments_count_as_constants():
    code = '''
import sqlite3
TABLE = "events"

def count(kind):
    return sqlite3.connect("e.db").execute("SELECT count(*) FROM " + TABLE + " WHERE k = '%s'" % kind).fetchone()

print(count("login"), count(kind="logout"))
'''
    assert "sql_injection" not in classes(code)


QUERY_BUILDER = '''
from flask import Flask, request
from sqlalchemy import create_engine, insert, select, text
from app.models import users, User, db_session

app = Flask(__name__)
engine = create_engine("sqlite://")

@app.post("/u")
def add():
    with engine.begin() as conn:
        {line}
    return "ok"
'''


@pytest.mark.parametrize("line", [
    'conn.execute(insert(users).values(name=request.form["name"]))',
    'conn.execute(select(users).where(users.c.name == request.args["n"]).limit(5))',
    'db_session.query(User).filter_by(name=request.args["n"]).first()',
    'User.objects.filter(name=request.args["n"]).exclude(active=False)',
])
def test_orm_and_query_builder_calls_are_not_sql_strings(line):
    assert "sql_injection" not in classes(QUERY_BUILDER.format(line=line))


def test_raw_sql_through_the_builder_api_is_still_injection():
    code = QUERY_BUILDER.format(line='conn.execute(text(f"SELECT * FROM u WHERE n = \'{request.args[\'n\']}\'"))')
    assert "sql_injection" in classes(code)
    code = QUERY_BUILDER.format(line='User.objects.raw("SELECT * FROM u WHERE n = \'%s\'" % request.args["n"])')
    assert "sql_injection" in classes(code)


def test_dict_lookup_with_a_request_key_is_an_allow_list():
    code = '''
import subprocess
from flask import Flask, request
app = Flask(__name__)
TOOLS = {"disk": "df -h", "mem": "free -m"}

@app.get("/run")
def run():
    cmd = TOOLS.get(request.args["tool"], "uptime")
    return subprocess.check_output(cmd, shell=True)
'''
    assert "command_injection" not in classes(code)
    assert "command_injection" in classes(code.replace('TOOLS.get(request.args["tool"], "uptime")',
                                                        'request.args.get("tool", "uptime")'))


def test_file_contents_are_not_the_request_data_that_named_the_file():
    code = '''
import os
from flask import Flask, abort
app = Flask(__name__)
BASE = os.path.realpath("/srv/notes")

@app.get("/n/<name>")
def note(name):
    path = os.path.realpath(os.path.join(BASE, name))
    if not path.startswith(BASE + os.sep):
        abort(404)
    with open(path) as fh:
        return fh.read()
'''
    assert classes(code) == set()
    assert "xss" in classes(code.replace("return fh.read()", "return fh.read() + name"))


def test_markup_format_and_join_escape_their_arguments():
    code = '''
from flask import Flask, request
from markupsafe import Markup
app = Flask(__name__)

@app.get("/tags")
def tags():
    items = request.args.get("t", "").split(",")
    return Markup(", ").join(Markup("<b>{}</b>").format(t) for t in items)
'''
    assert "xss" not in classes(code)
    assert "xss" in classes(code.replace('Markup("<b>{}</b>").format(t)', 'Markup("<b>" + t + "</b>")'))


def test_json_and_text_plain_responses_are_not_html():
    code = '''
from flask import Flask, request, make_response
app = Flask(__name__)

@app.get("/echo")
def echo():
    resp = make_response("you said: " + request.args["q"])
    resp.mimetype = "text/plain"
    return resp

@app.get("/list")
def listing():
    return [request.args["q"], "x"]
'''
    assert "xss" not in classes(code)
    assert "xss" in classes(code.replace('resp.mimetype = "text/plain"', 'resp.mimetype = "text/html"'))


@pytest.mark.parametrize("mode,flagged", [("0o600", False), ("0o640", False), ("0o700", False),
                                          ("0o666", True), ("0o777", True), ("0o602", True)])
def test_chmod_private_modes_are_fine_and_shared_writes_are_not(mode, flagged):
    code = f'import os\nos.chmod("/etc/app/key.pem", {mode})\n'
    assert ("insecure_permissions" in classes(code)) is flagged


def test_example_connection_password_is_credentials_not_the_query_class():
    code = '''
import psycopg2

def find(name):
    con = psycopg2.connect(host="db", user="app", password="hunter2-prod")
    cur = con.cursor()
    cur.execute("SELECT * FROM users WHERE name = %s", (name,))
    return cur.fetchall()
'''
    assert classes(code) == {"hardcoded_credentials"}  # counted in any-vulnerability, not as sql_injection
