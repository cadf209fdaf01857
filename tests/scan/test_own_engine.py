"""emwatch's own engine alone (`use_bandit=False`): each sink it knows, found with its class on the marked line by
the engine itself, and its safe twin left alone. Bandit covers several of these sinks too (B506 yaml.load, B614
torch.load, B301 pickle), so tests that run both engines cannot see a sink deleted from the own engine; these can.
"""

from __future__ import annotations

import pytest

from emwatch.scan import find_vulnerabilities

# (class, rule the own engine reports, vulnerable program with its sink marked "# VULN", safe twin)
SINKS = [
    ("unsafe_deserialization", "emw-deser-yaml", '''
import yaml

def load_config(path):
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.Loader)  # VULN
''', '''
import yaml

def load_config(path):
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.SafeLoader)
'''),
    ("unsafe_deserialization", "emw-deser-yaml", '''
import yaml
from flask import Flask, request

app = Flask(__name__)

@app.post("/import")
def import_settings():
    return yaml.full_load(request.data)  # VULN
''', '''
import yaml
from flask import Flask, request

app = Flask(__name__)

@app.post("/import")
def import_settings():
    return yaml.safe_load(request.data)
'''),
    ("unsafe_deserialization", "emw-deser-torch", '''
import torch

def load_checkpoint(path):
    state = torch.load(path)  # VULN
    return state["model"]
''', '''
import torch

def load_checkpoint(path):
    state = torch.load(path, weights_only=True)
    return state["model"]
'''),
    ("unsafe_deserialization", None, '''
import pickle
from flask import Flask, request

app = Flask(__name__)

@app.post("/session")
def restore():
    return pickle.loads(request.data)  # VULN
''', '''
import json
from flask import Flask, request

app = Flask(__name__)

@app.post("/session")
def restore():
    return json.loads(request.data)
'''),
    ("code_injection", None, '''
from flask import Flask, request

app = Flask(__name__)

@app.get("/calc")
def calc():
    return {"result": eval(request.args["expr"])}  # VULN
''', '''
import ast
from flask import Flask, request

app = Flask(__name__)

@app.get("/calc")
def calc():
    return {"result": ast.literal_eval(request.args["expr"])}
'''),
    ("command_injection", None, '''
import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.get("/ping")
def ping():
    host = request.args["host"]
    return subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True).stdout  # VULN
''', '''
import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.get("/ping")
def ping():
    host = request.args["host"]
    return subprocess.run(["ping", "-c", "1", host], capture_output=True).stdout
'''),
    ("sql_injection", None, '''
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.get("/user")
def user():
    db = sqlite3.connect("app.db")
    name = request.args["name"]
    return {"rows": db.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()}  # VULN
''', '''
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.get("/user")
def user():
    db = sqlite3.connect("app.db")
    name = request.args["name"]
    return {"rows": db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchall()}
'''),
    ("path_traversal", None, '''
import os
from flask import Flask, request

app = Flask(__name__)

@app.get("/file")
def read_file():
    path = os.path.join("/srv/files", request.args["name"])
    with open(path) as fh:  # VULN
        return fh.read()
''', '''
from pathlib import Path
from flask import Flask, request

app = Flask(__name__)
BASE = Path("/srv/files").resolve()

@app.get("/file")
def read_file():
    path = (BASE / request.args["name"]).resolve()
    if not path.is_relative_to(BASE):
        return "no", 403
    return path.read_text()
'''),
    ("xss", None, '''
from flask import Flask, request

app = Flask(__name__)

@app.get("/hello")
def hello():
    return "<h1>Hello " + request.args["name"] + "</h1>"  # VULN
''', '''
import bleach
from flask import Flask, request

app = Flask(__name__)

@app.get("/hello")
def hello():
    return "<h1>Hello " + bleach.clean(request.args["name"]) + "</h1>"
'''),
    ("insecure_permissions", None, '''
import os

def publish(path):
    os.chmod(path, 0o777)  # VULN
''', '''
import os

def publish(path):
    os.chmod(path, 0o600)
'''),
    ("tls_verification_disabled", None, '''
import requests

def fetch_status():
    return requests.get("https://status.example.org", verify=False, timeout=5).json()  # VULN
''', '''
import requests

def fetch_status():
    return requests.get("https://status.example.org", timeout=5).json()
'''),
]


def _line(code: str) -> int:
    return next(i for i, text in enumerate(code.split("\n"), 1) if "# VULN" in text)


@pytest.mark.parametrize("cls,rule,code,_", SINKS, ids=[f"{c}-{i}" for i, (c, *_r) in enumerate(SINKS)])
def test_own_engine_alone_finds_the_sink(cls, rule, code, _):
    found = find_vulnerabilities(code, use_bandit=False)
    hits = [f for f in found if f.vuln_class == cls and f.line == _line(code)]
    assert hits and all(f.source == "emwatch" for f in found), found
    if rule is not None:
        assert rule in {f.rule for f in hits}, hits


@pytest.mark.parametrize("cls,rule,_,code", SINKS, ids=[f"{c}-{i}" for i, (c, *_r) in enumerate(SINKS)])
def test_own_engine_alone_leaves_the_safe_twin(cls, rule, _, code):
    assert find_vulnerabilities(code, use_bandit=False) == []
