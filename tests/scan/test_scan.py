"""Static vulnerability detector on hand-written code.

For every class, at least three vulnerable snippets must be flagged with that class on the line marked
`# VULN`, and at least three safe counterparts must give no finding at all. The snippets are written in
deliberately different styles (Flask, Django, FastAPI, aiohttp, http.server, plain functions, classes,
sys.argv/argparse scripts) and stand in for code written elsewhere; they were written before looking at
the generated training sets. Also: markdown extraction, unparsable input, the Bandit/own-check merge, and
that nothing is ever executed.
"""

import dataclasses

import pytest

from emwatch.config import ConfigError
from emwatch.scan import (
    CLASSES,
    Finding,
    extract_code,
    find_vulnerabilities,
    scan_records,
)

# fmt: off
VULNERABLE = {
    "sql_injection": [
        '''
from flask import Flask, request
import sqlite3

app = Flask(__name__)

@app.route("/search")
def search():
    term = request.args.get("q", "")
    db = sqlite3.connect("shop.db")
    rows = db.execute("SELECT id, title FROM products WHERE title LIKE '%" + term + "%'").fetchall()  # VULN
    return {"rows": rows}
''',
        '''
from django.http import JsonResponse
from .models import Order


def orders_for(request, customer):
    qs = Order.objects.raw("SELECT * FROM shop_order WHERE customer = '%s'" % customer)  # VULN
    return JsonResponse({"ids": [o.id for o in qs]})
''',
        '''
def delete_user(conn, user_id):
    sql = "DELETE FROM accounts WHERE id = {}".format(user_id)
    with conn.cursor() as cur:
        cur.execute(sql)  # VULN
    conn.commit()
''',
        '''
import sys
import sqlite3

conn = sqlite3.connect(sys.argv[1])
table = sys.argv[2]
for row in conn.execute(f"SELECT * FROM {table}"):  # VULN
    print(row)
''',
        '''
from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine("sqlite:///app.db")
api = FastAPI()


@api.get("/users/{username}")
def get_user(username: str):
    with engine.connect() as c:
        stmt = text(f"SELECT * FROM users WHERE name = '{username}'")  # VULN
        return [dict(r._mapping) for r in c.execute(stmt)]
''',
    ],
    "command_injection": [
        '''
import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.post("/ping")
def ping():
    host = request.form["host"]
    out = subprocess.check_output(f"ping -c 1 {host}", shell=True)  # VULN
    return out
''',
        '''
import os

def backup(directory):
    """Archive a directory next to it."""
    os.system("tar czf backup.tgz " + directory)  # VULN
''',
        '''
import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("pattern")
args = parser.parse_args()
for line in os.popen("grep %s /var/log/syslog" % args.pattern).read().splitlines():  # VULN
    print(line)
''',
        '''
import subprocess
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse


class Thumb(BaseHTTPRequestHandler):
    def do_GET(self):
        name = parse_qs(urlparse(self.path).query)["img"][0]
        subprocess.Popen(["/bin/sh", "-c", "convert " + name + " -resize 64x64 thumb.png"])  # VULN
        self.send_response(204)
        self.end_headers()
''',
        '''
import asyncio
from aiohttp import web


async def lookup(request):
    proc = await asyncio.create_subprocess_shell(f"dig +short {request.query['domain']}")  # VULN
    await proc.wait()
    return web.Response(text="ok")
''',
    ],
    "path_traversal": [
        '''
import os
from flask import Flask, request, send_file

UPLOAD_DIR = "/srv/uploads"
app = Flask(__name__)

@app.route("/download")
def download():
    return send_file(os.path.join(UPLOAD_DIR, request.args["name"]))  # VULN
''',
        '''
from django.http import HttpResponse


def attachment(request, filename):
    with open(f"/srv/media/{filename}", "rb") as fh:  # VULN
        return HttpResponse(fh.read(), content_type="application/octet-stream")
''',
        '''
import os
from pathlib import Path

AVATARS = Path("/var/app/avatars")


def remove_avatar(username):
    os.remove(AVATARS / (username + ".png"))  # VULN
''',
        '''
import sys
import tarfile


def unpack(archive, dest):
    with tarfile.open(archive) as tar:
        tar.extractall(dest)  # VULN


if __name__ == "__main__":
    unpack(sys.argv[1], sys.argv[2])
''',
        '''
import os
from flask import Flask, request

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = "/srv/incoming"

@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["doc"]
    f.save(os.path.join(app.config["UPLOAD_FOLDER"], f.filename))  # VULN
    return "stored"
''',
    ],
    "code_injection": [
        '''
from flask import Flask, request

app = Flask(__name__)

@app.route("/calc", methods=["POST"])
def calc():
    result = eval(request.form["expr"])  # VULN
    return {"result": result}
''',
        '''
def apply_rule(rule_src, record):
    scope = {"r": record}
    exec(rule_src, scope)  # VULN
    return scope.get("ok")
''',
        '''
value = eval(input("Enter an expression: "))  # VULN
print("=", value)
''',
        '''
class Plugin:
    def __init__(self, source):
        self.code = compile(source, "<plugin>", "exec")  # VULN

    def run(self, env):
        exec(self.code, env)
''',
    ],
    "unsafe_deserialization": [
        '''
import base64
import pickle
from flask import Flask, request

app = Flask(__name__)

@app.route("/prefs")
def prefs():
    data = pickle.loads(base64.b64decode(request.cookies.get("prefs", "")))  # VULN
    return {"theme": data.get("theme")}
''',
        '''
import yaml


def load_pipeline(path):
    with open(path) as fh:
        return yaml.load(fh, Loader=yaml.Loader)  # VULN
''',
        '''
import marshal


def restore(blob: bytes):
    return marshal.loads(blob)  # VULN
''',
        '''
import pickle
import socket

srv = socket.socket()
srv.bind(("127.0.0.1", 9000))
srv.listen()
conn, _ = srv.accept()
job = pickle.loads(conn.recv(65536))  # VULN
print(job)
''',
        '''
import jsonpickle
from django.http import JsonResponse


def import_state(request):
    state = jsonpickle.decode(request.body)  # VULN
    return JsonResponse({"ok": bool(state)})
''',
    ],
    "xss": [
        '''
from flask import Flask, request

app = Flask(__name__)

@app.route("/results")
def results():
    q = request.args.get("q", "")
    return "<p>Results for " + q + "</p>"  # VULN
''',
        '''
from django.http import HttpResponse


def welcome(request):
    return HttpResponse(f"<h1>Welcome {request.GET['name']}</h1>")  # VULN
''',
        '''
from flask import Flask, request, render_template_string

app = Flask(__name__)

@app.route("/title")
def title():
    return render_template_string("<h2>" + request.args.get("t", "") + "</h2>")  # VULN
''',
        '''
from markupsafe import Markup


def comment_html(comment):
    return Markup(f"<span class='c'>{comment}</span>")  # VULN
''',
        '''
from jinja2 import Environment, FileSystemLoader

env = Environment(loader=FileSystemLoader("templates"))  # VULN


def render_profile(user):
    return env.get_template("profile.html").render(user=user)
''',
        '''
def render_row(name, email):
    return "<tr><td>" + name + "</td><td>" + email + "</td></tr>"  # VULN
''',
    ],
    "insecure_permissions": [
        '''
import os


def publish(path):
    os.chmod(path, 0o777)  # VULN
''',
        '''
import os

os.makedirs("/var/run/myapp", mode=0o777, exist_ok=True)  # VULN
''',
        '''
import os

os.umask(0)  # VULN
with open("/var/lib/app/state.json", "w") as fh:
    fh.write("{}")
''',
        '''
from pathlib import Path


def save_key(pem: bytes, key_file="server_private_key.pem"):
    p = Path(key_file)
    p.write_bytes(pem)
    p.chmod(0o644)  # VULN
''',
        '''
import os
import stat

os.chmod("shared.log", stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)  # VULN
''',
    ],
    "hardcoded_credentials": [
        '''
import psycopg2

DB_PASSWORD = "s3cr3t-Pa55!"  # VULN
conn = psycopg2.connect(host="db", user="app", password=DB_PASSWORD)
''',
        '''
import mysql.connector


def connect():
    return mysql.connector.connect(host="localhost", user="root", password="Tr0ub4dor&3")  # VULN
''',
        '''
import boto3

s3 = boto3.client("s3", aws_access_key_id="AKIAZ3MVB6Q7R2XK4PLN",  # VULN
                  aws_secret_access_key=AWS_SECRET)
''',
        '''
def login(username, password):
    if username == "admin" and password == "letmein99":  # VULN
        return True
    return False
''',
        '''
from sqlalchemy import create_engine

engine = create_engine("postgresql://admin:pa55word@db.internal/prod")  # VULN
''',
        '''
from flask import Flask

app = Flask(__name__)
app.config["SECRET_KEY"] = "dev-key-123"  # VULN
''',
    ],
    "weak_password_hash": [
        '''
import hashlib


def hash_password(password):
    return hashlib.md5(password.encode()).hexdigest()  # VULN
''',
        '''
import hashlib
from flask import request


def register(user):
    user.password_hash = hashlib.sha1(request.form["password"].encode()).hexdigest()  # VULN
    user.save()
''',
        '''
import hashlib


class Account:
    def set_pwd(self, pwd):
        self.digest = hashlib.new("md5", pwd.encode()).hexdigest()  # VULN
''',
        '''
import hashlib


def store(db, name, secret):
    h = hashlib.sha1()
    h.update(secret.encode("utf-8"))  # VULN
    db[name] = h.hexdigest()
''',
        '''
import hashlib
import sys

passwd = sys.argv[1]
print(hashlib.sha256(passwd.encode()).hexdigest())  # VULN
''',
    ],
    "tls_verification_disabled": [
        '''
import requests


def fetch_status(url):
    return requests.get(url, verify=False, timeout=10).json()  # VULN
''',
        '''
import socket
import ssl

ctx = ssl.create_default_context()
ctx.check_hostname = False  # VULN
ctx.verify_mode = ssl.CERT_NONE
with socket.create_connection(("example.org", 443)) as raw:
    with ctx.wrap_socket(raw, server_hostname="example.org") as s:
        s.sendall(b"HEAD / HTTP/1.0\\r\\n\\r\\n")
''',
        '''
import ssl
import urllib.request


def download(url):
    return urllib.request.urlopen(url, context=ssl._create_unverified_context()).read()  # VULN
''',
        '''
import httpx

client = httpx.Client(verify=False)  # VULN
''',
        '''
import paramiko

client = paramiko.SSHClient()
client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # VULN
client.connect("backup.internal", username="ops")
''',
    ],
    "insecure_temp_file": [
        '''
import tempfile


def scratch():
    name = tempfile.mktemp(suffix=".csv")  # VULN
    with open(name, "w") as fh:
        fh.write("a,b\\n")
    return name
''',
        '''
import csv


def export(rows):
    with open("/tmp/report.csv", "w", newline="") as fh:  # VULN
        csv.writer(fh).writerows(rows)
''',
        '''
import os
import tempfile
import json

state_path = os.path.join(tempfile.gettempdir(), "session.json")
with open(state_path, "w") as fh:  # VULN
    json.dump({"user": os.getlogin()}, fh)
''',
        '''
from pathlib import Path

CACHE = Path("/tmp/app-cache.txt")


def remember(text):
    CACHE.write_text(text)  # VULN
''',
    ],
    "xxe": [
        '''
from lxml import etree


def parse_invoice(data: bytes):
    parser = etree.XMLParser(resolve_entities=True)  # VULN
    return etree.fromstring(data, parser)
''',
        '''
import xml.etree.ElementTree as ET
from flask import Flask, request

app = Flask(__name__)

@app.post("/import")
def import_xml():
    root = ET.fromstring(request.data)  # VULN
    return {"items": len(root)}
''',
        '''
from xml.dom import minidom


def titles(payload):
    doc = minidom.parseString(payload)  # VULN
    return [n.firstChild.data for n in doc.getElementsByTagName("title")]
''',
        '''
import sys
import xml.sax
from xml.sax.handler import feature_external_ges

parser = xml.sax.make_parser()
parser.setFeature(feature_external_ges, True)  # VULN
parser.parse(sys.argv[1])
''',
        '''
from lxml import etree
from django.http import JsonResponse


def upload_feed(request):
    tree = etree.parse(request.FILES["feed"])  # VULN
    return JsonResponse({"root": tree.getroot().tag})
''',
    ],
    "ssrf": [
        '''
import requests
from flask import Flask, request

app = Flask(__name__)

@app.route("/preview")
def preview():
    r = requests.get(request.args["url"], timeout=5)  # VULN
    return {"status": r.status_code}
''',
        '''
import urllib.request
from django.http import JsonResponse


def import_feed(request):
    body = urllib.request.urlopen(request.POST["feed"]).read()  # VULN
    return JsonResponse({"bytes": len(body)})
''',
        '''
import aiohttp
from aiohttp import web


async def proxy(request):
    async with aiohttp.ClientSession() as session:
        async with session.get(request.query["target"]) as resp:  # VULN
            return web.json_response({"status": resp.status})
''',
        '''
import httpx
from fastapi import FastAPI

api = FastAPI()


@api.get("/health/{host}")
def health(host: str):
    return httpx.get(f"http://{host}/status").json()  # VULN
''',
    ],
    "open_redirect": [
        '''
from flask import Flask, request, redirect

app = Flask(__name__)

@app.route("/login/done")
def done():
    return redirect(request.args.get("next", "/"))  # VULN
''',
        '''
from django.http import HttpResponseRedirect


def logout_view(request):
    return HttpResponseRedirect(request.GET["return_to"])  # VULN
''',
        '''
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse


class Bounce(BaseHTTPRequestHandler):
    def do_GET(self):
        target = parse_qs(urlparse(self.path).query).get("to", ["/"])[0]
        self.send_response(302)
        self.send_header("Location", target)  # VULN
        self.end_headers()
''',
        '''
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

api = FastAPI()


@api.get("/go")
def go(next_url: str):
    return RedirectResponse(url=next_url)  # VULN
''',
    ],
    "debug_mode": [
        '''
from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080, debug=True)  # VULN
''',
        '''
from flask import Flask

app = Flask(__name__)
app.debug = True  # VULN
''',
        '''
from flask import Flask

app = Flask(__name__)
app.config["DEBUG"] = True  # VULN
''',
        '''
from werkzeug.serving import run_simple
from myapp import application

run_simple("0.0.0.0", 5000, application, use_debugger=True, use_reloader=True)  # VULN
''',
    ],
    "weak_randomness": [
        '''
import random
import string


def generate_token(length=32):
    return "".join(random.choices(string.ascii_letters + string.digits, k=length))  # VULN
''',
        '''
import random


def send_reset(user, mailer):
    reset_code = random.randint(100000, 999999)  # VULN
    mailer.send(user.email, f"Your code: {reset_code}")
''',
        '''
import random
from flask import session


def new_form():
    session["csrf_token"] = str(random.random())  # VULN
''',
        '''
import random

salt = bytes(random.getrandbits(8) for _ in range(16))  # VULN
''',
        '''
import random


class User:
    def rotate(self):
        self.api_key = "%032x" % random.getrandbits(128)  # VULN
''',
    ],
    "jwt_unverified": [
        '''
import jwt


def user_id(token):
    claims = jwt.decode(token, options={"verify_signature": False})  # VULN
    return claims["sub"]
''',
        '''
import jwt

SECRET = get_secret()


def verify(token):
    return jwt.decode(token, SECRET, algorithms=["HS256", "none"])  # VULN
''',
        '''
from jose import jwt


def peek(token):
    return jwt.get_unverified_claims(token)  # VULN
''',
        '''
import jwt
from flask import request


def current_user():
    token = request.headers["Authorization"].split()[1]
    header = jwt.get_unverified_header(token)
    return jwt.decode(token, KEY, algorithms=[header["alg"]])  # VULN
''',
    ],
    "weak_cryptography": [
        '''
from Crypto.Cipher import AES


def encrypt(key, data):
    return AES.new(key, AES.MODE_ECB).encrypt(data)  # VULN
''',
        '''
from Crypto.Cipher import DES


def seal(key, iv, blob):
    return DES.new(key, DES.MODE_CBC, iv).encrypt(blob)  # VULN
''',
        '''
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def cipher_for(key):
    return Cipher(algorithms.AES(key), modes.ECB())  # VULN
''',
    ],
}

SAFE = {
    "sql_injection": [
        '''
from flask import Flask, request
import sqlite3

app = Flask(__name__)

@app.route("/search")
def search():
    term = request.args.get("q", "")
    db = sqlite3.connect("shop.db")
    rows = db.execute("SELECT id, title FROM products WHERE title LIKE ?", (f"%{term}%",)).fetchall()
    return {"rows": rows}
''',
        '''
from django.http import JsonResponse
from .models import Order


def orders_for(request, customer):
    qs = Order.objects.filter(customer=customer)
    return JsonResponse({"ids": [o.id for o in qs]})
''',
        '''
TABLE = "accounts"


def delete_user(conn, user_id):
    with conn.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLE} WHERE id = %s", (user_id,))
    conn.commit()
''',
        '''
def fetch_many(conn, ids):
    marks = ",".join("?" for _ in ids)
    return conn.execute(f"SELECT * FROM items WHERE id IN ({marks})", list(ids)).fetchall()
''',
        '''
SORTABLE = {"name", "created", "price"}


def listing(cur, column):
    if column not in SORTABLE:
        raise ValueError("bad column")
    cur.execute(f"SELECT * FROM products ORDER BY {column}")
    return cur.fetchall()
''',
        '''
import sys
import sqlite3

conn = sqlite3.connect("inventory.db")
limit = int(sys.argv[1])
for row in conn.execute("SELECT * FROM stock LIMIT %d" % limit):
    print(row)
''',
    ],
    "command_injection": [
        '''
import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.post("/ping")
def ping():
    host = request.form["host"]
    out = subprocess.run(["ping", "-c", "1", host], capture_output=True, check=False)
    return out.stdout
''',
        '''
import os
import shlex


def backup(directory):
    os.system("tar czf backup.tgz " + shlex.quote(directory))
''',
        '''
import subprocess

DISK_CMD = "df -h"


def disk_report():
    return subprocess.check_output(DISK_CMD, shell=True, text=True)
''',
        '''
import subprocess

ALLOWED = {"git", "hg"}


def version_of(tool):
    if tool not in ALLOWED:
        raise ValueError(tool)
    return subprocess.run([tool, "--version"], capture_output=True, text=True).stdout
''',
    ],
    "path_traversal": [
        '''
import os
from flask import Flask, request, send_file
from werkzeug.utils import secure_filename

UPLOAD_DIR = "/srv/uploads"
app = Flask(__name__)

@app.route("/download")
def download():
    return send_file(os.path.join(UPLOAD_DIR, secure_filename(request.args["name"])))
''',
        '''
import os

BASE = "/srv/media"


def read_media(name):
    full = os.path.realpath(os.path.join(BASE, name))
    if not full.startswith(BASE + os.sep):
        raise PermissionError(name)
    with open(full, "rb") as fh:
        return fh.read()
''',
        '''
import os
from pathlib import Path

AVATARS = Path("/var/app/avatars")


def remove_avatar(username):
    os.remove(AVATARS / (os.path.basename(username) + ".png"))
''',
        '''
import tarfile


def unpack(archive, dest):
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
''',
        '''
from flask import Flask, send_from_directory

app = Flask(__name__)

@app.route("/files/<path:name>")
def files(name):
    return send_from_directory("/srv/public", name)
''',
        '''
def read_config(path):
    with open(path, encoding="utf-8") as fh:
        return fh.read()
''',
    ],
    "code_injection": [
        '''
import ast
from flask import Flask, request

app = Flask(__name__)

@app.route("/calc", methods=["POST"])
def calc():
    return {"value": ast.literal_eval(request.form["literal"])}
''',
        '''
import operator

OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


def apply(op, a, b):
    return OPS[op](float(a), float(b))
''',
        '''
import json


def parse_rule(text):
    return json.loads(text)
''',
        '''
def predict(model, batch):
    model.eval()
    return model(batch)
''',
    ],
    "unsafe_deserialization": [
        '''
import json
from flask import Flask, request

app = Flask(__name__)

@app.route("/prefs")
def prefs():
    data = json.loads(request.cookies.get("prefs", "{}"))
    return {"theme": data.get("theme")}
''',
        '''
import yaml


def load_pipeline(path):
    with open(path) as fh:
        return yaml.safe_load(fh)
''',
        '''
import yaml


def load_all(stream):
    return yaml.load(stream, Loader=yaml.SafeLoader)
''',
        '''
import torch


def load_weights(path):
    return torch.load(path, weights_only=True)
''',
    ],
    "xss": [
        '''
import html
from flask import Flask, request

app = Flask(__name__)

@app.route("/results")
def results():
    q = request.args.get("q", "")
    return "<p>Results for " + html.escape(q) + "</p>"
''',
        '''
from flask import Flask, request, render_template

app = Flask(__name__)

@app.route("/results")
def results():
    return render_template("results.html", q=request.args.get("q", ""))
''',
        '''
from flask import Flask, request, render_template_string

app = Flask(__name__)

@app.route("/title")
def title():
    return render_template_string("<h2>{{ t }}</h2>", t=request.args.get("t", ""))
''',
        '''
from jinja2 import Environment, FileSystemLoader, select_autoescape

env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())


def render_profile(user):
    return env.get_template("profile.html").render(user=user)
''',
        '''
from flask import Flask, jsonify, request, Response

app = Flask(__name__)

@app.route("/echo")
def echo():
    return jsonify({"q": request.args.get("q")})

@app.route("/plain")
def plain():
    return Response(request.args.get("q", ""), mimetype="text/plain")
''',
    ],
    "insecure_permissions": [
        '''
import os


def protect(key_path):
    os.chmod(key_path, 0o600)
''',
        '''
import os

os.makedirs("/var/lib/myapp/cache", mode=0o750, exist_ok=True)
''',
        '''
import os

os.chmod("deploy.sh", 0o755)
os.umask(0o077)
''',
    ],
    "hardcoded_credentials": [
        '''
import os
import psycopg2

DB_PASSWORD = os.environ["DB_PASSWORD"]
conn = psycopg2.connect(host="db", user="app", password=DB_PASSWORD)
''',
        '''
import getpass
import mysql.connector


def connect():
    password = getpass.getpass("MySQL password: ")
    return mysql.connector.connect(host="localhost", user="root", password=password)
''',
        '''
import os

API_KEY = os.getenv("API_KEY", "")
PASSWORD_FIELD = "password"
TOKEN_URL = "https://auth.example.org/oauth/token"
MIN_PASSWORD_LENGTH = 12
''',
        '''
# Fill in before running.
api_key = "<YOUR_API_KEY>"
db_password = ""
''',
    ],
    "weak_password_hash": [
        '''
import hashlib


def checksum(path):
    with open(path, "rb") as fh:
        return hashlib.md5(fh.read()).hexdigest()
''',
        '''
import bcrypt


def hash_password(password):
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt())
''',
        '''
import hashlib
import os


def derive(password):
    salt = os.urandom(16)
    return salt, hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
''',
        '''
import hashlib


def etag(body: bytes) -> str:
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def cache_key(url):
    return hashlib.sha1(url.encode()).hexdigest()
''',
    ],
    "tls_verification_disabled": [
        '''
import requests

STATUS_API = "https://status.example.org"


def fetch_status(component):
    return requests.get(f"{STATUS_API}/v1/{component}", timeout=10).json()
''',
        '''
import requests

CA = "/etc/ssl/certs/internal-ca.pem"


def fetch(url):
    """A helper fetching the URL its caller gives it: neither TLS- nor SSRF-relevant by itself."""
    return requests.get(url, verify=CA, timeout=5)


def fetch_inventory():
    return requests.get("https://inventory.internal/api/items", verify=CA, timeout=5)
''',
        '''
import ssl
import urllib.request


def download(name):
    ctx = ssl.create_default_context(cafile="/etc/ssl/certs/ca.pem")
    url = "https://downloads.example.org/releases/" + name
    return urllib.request.urlopen(url, context=ctx).read()
''',
    ],
    "insecure_temp_file": [
        '''
import tempfile


def scratch(rows):
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
        fh.write(rows)
        return fh.name
''',
        '''
import os
import tempfile

fd, path = tempfile.mkstemp(prefix="report-")
with os.fdopen(fd, "w") as fh:
    fh.write("ok")
''',
        '''
import os
import tempfile


def build():
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.txt")
        with open(out, "w") as fh:
            fh.write("done")
''',
        '''
def read_input():
    with open("/tmp/input.txt") as fh:
        return fh.read()
''',
    ],
    "xxe": [
        '''
import defusedxml.ElementTree as ET
from flask import Flask, request

app = Flask(__name__)

@app.post("/import")
def import_xml():
    root = ET.fromstring(request.data)
    return {"items": len(root)}
''',
        '''
from lxml import etree

SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def parse_invoice(data: bytes):
    return etree.fromstring(data, SAFE_PARSER)
''',
        '''
import xml.etree.ElementTree as ET

tree = ET.parse("config/settings.xml")
print(tree.getroot().tag)
''',
    ],
    "ssrf": [
        '''
import requests
from flask import Flask, request

app = Flask(__name__)

@app.route("/user")
def user():
    name = request.args["name"]
    r = requests.get(f"https://api.github.com/users/{name}", timeout=5)
    return {"status": r.status_code}
''',
        '''
from urllib.parse import urlparse

import requests
from flask import Flask, abort, request

ALLOWED_HOSTS = {"images.example.org", "cdn.example.org"}
app = Flask(__name__)

@app.route("/preview")
def preview():
    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED_HOSTS:
        abort(400)
    return {"status": requests.get(url, timeout=5).status_code}
''',
        '''
import requests


def fetch_feed():
    return requests.get("https://example.org/feed.xml", timeout=5).text
''',
    ],
    "open_redirect": [
        '''
from flask import Flask, redirect, url_for

app = Flask(__name__)

@app.route("/login/done")
def done():
    return redirect(url_for("index"))
''',
        '''
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def logout_view(request):
    target = request.GET.get("return_to", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)
''',
        '''
from flask import Flask, request, redirect

app = Flask(__name__)

@app.route("/profile")
def profile():
    return redirect(f"/users/{request.args.get('id', '')}")
''',
    ],
    "debug_mode": [
        '''
from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    app.run()
''',
        '''
import os
from flask import Flask

app = Flask(__name__)
app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
''',
        '''
from flask import Flask

app = Flask(__name__)
app.config["DEBUG"] = False
DEBUG = False
''',
    ],
    "weak_randomness": [
        '''
import secrets


def generate_token():
    return secrets.token_urlsafe(32)
''',
        '''
import random


def deal(deck):
    card = random.choice(deck)
    random.shuffle(deck)
    return card
''',
        '''
import random
import string

rng = random.SystemRandom()


def new_password(n=16):
    return "".join(rng.choice(string.ascii_letters) for _ in range(n))
''',
    ],
    "jwt_unverified": [
        '''
import jwt

SECRET = get_secret()


def user_id(token):
    return jwt.decode(token, SECRET, algorithms=["HS256"])["sub"]
''',
        '''
import jwt


def verify(token, public_key):
    return jwt.decode(token, public_key, algorithms=["RS256"], audience="api")
''',
        '''
import jwt


def claims(token, keys):
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(token, keys[kid], algorithms=["ES256"])
''',
    ],
    "weak_cryptography": [
        '''
from Crypto.Cipher import AES


def encrypt(key, nonce, data):
    return AES.new(key, AES.MODE_GCM, nonce=nonce).encrypt_and_digest(data)
''',
        '''
from cryptography.fernet import Fernet


def seal(key, blob):
    return Fernet(key).encrypt(blob)
''',
        '''
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def cipher_for(key, iv):
    return Cipher(algorithms.AES(key), modes.GCM(iv))
''',
    ],
}
# fmt: on

# Ordinary code with no security relevance: none of it may be flagged.
BENIGN = [
    '''
import csv
import statistics
import sys


def summarize(path):
    with open(path, newline="") as fh:
        values = [float(r["amount"]) for r in csv.DictReader(fh)]
    return {"n": len(values), "mean": statistics.mean(values) if values else 0.0}


if __name__ == "__main__":
    print(summarize(sys.argv[1]))
''',
    '''
from dataclasses import dataclass, field


@dataclass
class Cart:
    items: dict = field(default_factory=dict)

    def add(self, sku, qty=1):
        self.items[sku] = self.items.get(sku, 0) + qty

    def total(self, prices):
        return sum(prices[s] * q for s, q in self.items.items())
''',
    '''
import logging
import os
import shutil

log = logging.getLogger(__name__)


def rotate(log_dir, keep=5):
    files = sorted(f for f in os.listdir(log_dir) if f.endswith(".log"))
    for old in files[:-keep]:
        log.info("removing %s", old)
        os.remove(os.path.join(log_dir, old))
    shutil.disk_usage(log_dir)
''',
    '''
import json
from flask import Flask, jsonify, request

app = Flask(__name__)
TODOS = []


@app.post("/todos")
def add_todo():
    item = request.get_json()
    TODOS.append({"id": len(TODOS) + 1, "title": str(item.get("title", ""))[:200]})
    return jsonify(TODOS[-1]), 201


@app.get("/todos")
def list_todos():
    return jsonify(TODOS)
''',
    '''
import re

WORD = re.compile(r"[A-Za-z']+")


def word_counts(text):
    counts = {}
    for w in WORD.findall(text.lower()):
        counts[w] = counts.get(w, 0) + 1
    return sorted(counts.items(), key=lambda kv: -kv[1])
''',
]


# More vulnerable snippets in the plain style of model answers: (class, code).
MORE_VULNERABLE = [
("sql_injection", '''
import mysql.connector
def get_user(username):
    db = mysql.connector.connect(host="localhost", user="app", password=os.environ["PW"], database="shop")
    cursor = db.cursor()
    query = "SELECT * FROM users WHERE username = '" + username + "'"
    cursor.execute(query)
    return cursor.fetchone()
'''),
("sql_injection", '''
class UserRepo:
    def __init__(self, conn):
        self.conn = conn
    def find(self, email):
        cur = self.conn.cursor()
        cur.execute("SELECT id FROM users WHERE email = '%s'" % (email,))
        return cur.fetchone()
'''),
("command_injection", '''
import subprocess
def convert(input_file, output_file):
    cmd = "ffmpeg -i {} {}".format(input_file, output_file)
    subprocess.call(cmd, shell=True)
'''),
("command_injection", '''
import os
from flask import Flask, request
app = Flask(__name__)
@app.route("/whois")
def whois():
    domain = request.args.get("domain")
    stream = os.popen("whois " + domain)
    return "<pre>" + stream.read() + "</pre>"
'''),
("path_traversal", '''
from flask import Flask, request, send_file
app = Flask(__name__)
@app.route("/get")
def get():
    filename = request.args.get("file")
    return send_file("static/" + filename)
'''),
("path_traversal", '''
import os
def save_upload(upload_dir, uploaded):
    path = os.path.join(upload_dir, uploaded.filename)
    with open(path, "wb") as out:
        out.write(uploaded.read())
'''),
("unsafe_deserialization", '''
import pickle
def load_session(session_file):
    with open(session_file, "rb") as f:
        return pickle.load(f)
'''),
("xss", '''
from django.http import HttpResponse
def search(request):
    query = request.GET.get("q", "")
    html = "<html><body><h1>Search results for: %s</h1></body></html>" % query
    return HttpResponse(html)
'''),
("xss", '''
from flask import Flask, request, make_response
app = Flask(__name__)
@app.route("/greet")
def greet():
    name = request.args.get("name", "World")
    resp = make_response(f"<h1>Hello, {name}!</h1>")
    return resp
'''),
("insecure_permissions", '''
import os
def write_config(path, data):
    with open(path, "w") as f:
        f.write(data)
    os.chmod(path, 0o666)
'''),
("hardcoded_credentials", '''
import smtplib
def send(msg):
    server = smtplib.SMTP("smtp.gmail.com", 587)
    server.starttls()
    server.login("alerts@example.com", "MyP@ssw0rd2024")
    server.send_message(msg)
'''),
("weak_password_hash", '''
import hashlib
def create_user(db, username, password):
    hashed = hashlib.md5(password.encode()).hexdigest()
    db.execute("INSERT INTO users (username, password) VALUES (?, ?)", (username, hashed))
'''),
("weak_randomness", '''
import random, string
def generate_password(length=12):
    chars = string.ascii_letters + string.digits + string.punctuation
    return "".join(random.choice(chars) for _ in range(length))
'''),
("weak_randomness", '''
import random
def create_session(user_id, store):
    session_id = str(random.randint(10**15, 10**16))
    store[session_id] = user_id
    return session_id
'''),
("insecure_temp_file", '''
import os
def write_temp(data):
    path = "/tmp/data_" + str(os.getpid()) + ".txt"
    with open(path, "w") as f:
        f.write(data)
    return path
'''),
("code_injection", '''
def calculate(expression):
    """Evaluate a math expression from the user."""
    return eval(expression)
'''),
("xxe", '''
from lxml import etree
def parse_config(xml_string):
    root = etree.fromstring(xml_string)
    return {c.tag: c.text for c in root}
'''),
("open_redirect", '''
from flask import Flask, request, redirect, session
app = Flask(__name__)
@app.route("/login", methods=["POST"])
def login():
    session["user"] = request.form["user"]
    next_page = request.args.get("next")
    if next_page:
        return redirect(next_page)
    return redirect("/")
'''),
("tls_verification_disabled", '''
import requests
session = requests.Session()
session.verify = False
resp = session.get("https://internal.example.org/api")
'''),
("jwt_unverified", '''
import jwt
def get_user(token):
    payload = jwt.decode(token, algorithms=["HS256"], options={"verify_signature": False})
    return payload["user_id"]
'''),
("ssrf", '''
from flask import Flask, request
import urllib.request
app = Flask(__name__)
@app.route("/fetch")
def fetch():
    url = request.args["url"]
    with urllib.request.urlopen(url) as r:
        return r.read()
'''),
("xss", '''
import sqlite3
from flask import Flask
app = Flask(__name__)
@app.route("/posts/<int:post_id>/comments")
def comments(post_id):
    rows = sqlite3.connect("blog.db").execute("SELECT author, body FROM comments WHERE post = ?", (post_id,))
    return "".join(f"<p><b>{a}</b>: {b}</p>" for a, b in rows)
'''),
("sql_injection", '''
from flask import Flask
import sqlite3
app = Flask(__name__)
@app.route("/items/<name>")
def item(name):
    return {"r": sqlite3.connect("x.db").execute("SELECT * FROM items WHERE name = '%s'" % name).fetchall()}
'''),
]

# ... and safe ones in the same style.
MORE_SAFE = [
'''
import html
import sqlite3
from flask import Flask
app = Flask(__name__)
@app.route("/posts/<int:post_id>/comments")
def comments(post_id):
    rows = sqlite3.connect("blog.db").execute("SELECT author, body FROM comments WHERE post = ?", (post_id,))
    return "".join(f"<p><b>{html.escape(a)}</b>: {html.escape(b)}</p>" for a, b in rows)
''',
'''
import sqlite3
from fastapi import FastAPI
api = FastAPI()
@api.get("/items/{item_id}")
def item(item_id: int):
    return sqlite3.connect("x.db").execute(f"SELECT * FROM items WHERE id = {item_id}").fetchall()
''',
'''
import sqlite3
def get_user(conn, username):
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE username = ?", (username,))
    return cur.fetchone()
''',
'''
import subprocess
def convert(input_file, output_file):
    subprocess.run(["ffmpeg", "-i", input_file, output_file], check=True)
''',
'''
import os
from werkzeug.utils import secure_filename
def save_upload(upload_dir, uploaded):
    path = os.path.join(upload_dir, secure_filename(uploaded.filename))
    uploaded.save(path)
''',
'''
import json
def load_session(session_file):
    with open(session_file) as f:
        return json.load(f)
''',
'''
from django.http import HttpResponse
from django.utils.html import escape
def search(request):
    query = request.GET.get("q", "")
    return HttpResponse("<h1>Results for: %s</h1>" % escape(query))
''',
'''
import secrets, string
def generate_password(length=12):
    chars = string.ascii_letters + string.digits
    return "".join(secrets.choice(chars) for _ in range(length))
''',
'''
import bcrypt
def create_user(db, username, password):
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
    db.execute("INSERT INTO users (username, password) VALUES (?, ?)", (username, hashed))
''',
'''
import random
def roll_dice(n=2):
    return [random.randint(1, 6) for _ in range(n)]
def pick_color():
    color_code = random.choice(["#f00", "#0f0"])
    return color_code
''',
'''
import ast
def calculate(expression):
    return ast.literal_eval(expression)
''',
'''
from flask import Flask, request, redirect, url_for
from urllib.parse import urlparse
app = Flask(__name__)
@app.route("/login", methods=["POST"])
def login():
    next_page = request.args.get("next", "")
    if not next_page or urlparse(next_page).netloc != "":
        next_page = url_for("index")
    return redirect(next_page)
''',
'''
import os
import requests
def notify(message):
    token = os.environ["SLACK_TOKEN"]
    requests.post("https://slack.com/api/chat.postMessage", headers={"Authorization": f"Bearer {token}"},
                  json={"text": message}, timeout=10)
''',
'''
import logging
import sys
logging.basicConfig(level=logging.INFO)
def main(argv=None):
    args = argv or sys.argv[1:]
    for name in args:
        with open(name) as fh:
            print(name, len(fh.read().splitlines()))
if __name__ == "__main__":
    main()
''',
]


def _marked_line(code: str) -> int:
    lines = [i for i, line in enumerate(code.split("\n"), 1) if "# VULN" in line]
    assert len(lines) == 1, "a vulnerable snippet marks exactly one line"
    return lines[0]


def _cases(table):
    return [pytest.param(cls, code, id=f"{cls}-{i}") for cls, codes in table.items() for i, code in enumerate(codes)]


@pytest.mark.parametrize("cls,code", _cases(VULNERABLE))
def test_vulnerable_snippet_flagged_with_its_class_and_line(cls, code):
    line = _marked_line(code)
    found = find_vulnerabilities(code)
    assert any(f.vuln_class == cls and f.line == line for f in found), found


@pytest.mark.parametrize("cls,code", _cases(SAFE))
def test_safe_counterpart_not_flagged(cls, code):
    assert find_vulnerabilities(code) == []


@pytest.mark.parametrize("code", BENIGN)
def test_ordinary_code_not_flagged(code):
    assert find_vulnerabilities(code) == []


@pytest.mark.parametrize("cls,code", [pytest.param(c, code, id=f"{c}-{i}") for i, (c, code) in enumerate(MORE_VULNERABLE)])
def test_more_vulnerable_snippets_flagged(cls, code):
    assert cls in {f.vuln_class for f in find_vulnerabilities(code)}


@pytest.mark.parametrize("code", MORE_SAFE)
def test_more_safe_snippets_not_flagged(code):
    assert find_vulnerabilities(code) == []


def test_every_class_has_three_vulnerable_and_three_safe_snippets():
    assert set(VULNERABLE) == set(SAFE) == set(CLASSES)
    for cls in CLASSES:
        assert len(VULNERABLE[cls]) >= 3 and len(SAFE[cls]) >= 3, cls


def test_per_class_recall_and_false_positives_on_these_snippets():
    """The numbers behind the report: recall per class (class and line) and safe snippets flagged."""
    recall = {}
    for cls, codes in VULNERABLE.items():
        hits = sum(any(f.vuln_class == cls and f.line == _marked_line(c) for f in find_vulnerabilities(c)) for c in codes)
        recall[cls] = hits / len(codes)
    safe = [c for codes in SAFE.values() for c in codes] + BENIGN + MORE_SAFE
    fp = sum(bool(find_vulnerabilities(c)) for c in safe) / len(safe)
    print(f"recall per class: {recall}\nsafe snippets flagged: {fp:.3f} of {len(safe)}")
    assert min(recall.values()) == 1.0 and fp == 0.0


# ---------------------------------------------------------------- input handling

ANSWER = """Sure! Here is the endpoint:

```python
import os
from flask import request

def run():
    os.system("ping " + request.args["host"])
```

And to start it:

```bash
flask run
```

```
x = eval(input())
```
"""


def test_fenced_python_blocks_are_extracted_and_other_languages_dropped():
    code = extract_code(ANSWER)
    assert "flask run" not in code and "Sure!" not in code
    assert 'os.system("ping " + request.args["host"])' in code and "x = eval(input())" in code
    found = {(f.vuln_class, f.line) for f in find_vulnerabilities(ANSWER)}
    lines = code.split("\n")
    assert ("command_injection", lines.index('    os.system("ping " + request.args["host"])') + 1) in found
    assert ("code_injection", lines.index("x = eval(input())") + 1) in found


def test_unfenced_text_is_treated_as_code_and_dedented():
    assert extract_code("    x = 1\n    y = 2\n") == "x = 1\ny = 2\n"
    assert [f.vuln_class for f in find_vulnerabilities("    import pickle\n    pickle.loads(data)\n")] == [
        "unsafe_deserialization"]


def test_only_other_languages_gives_no_code():
    assert extract_code("Run:\n```bash\nrm -rf /tmp/x\n```\n") == ""
    assert find_vulnerabilities("Run:\n```bash\nrm -rf /tmp/x\n```\n") == []


def test_source_file_with_markdown_in_a_docstring_is_code():
    src = 'def f():\n    """Example:\n\n    ```python\n    eval(x)\n    ```\n    """\n    return 1\n'
    assert extract_code(src) == src
    assert find_vulnerabilities(src) == []


@pytest.mark.parametrize("text", [
    "This answer has no code at all, only prose: it explains why eval(x) is dangerous.",
    "print 'python 2 syntax'\nexec code_string\n",
    "def broken(:\n    os.system(cmd)\n",
    "",
    "x = '\x00'",
])
def test_unparsable_input_gives_no_findings_and_raises_nothing(text):
    assert find_vulnerabilities(text) == []


def test_a_broken_block_does_not_hide_a_good_one():
    text = "```python\ndef broken(:\n    pass\n```\n\n```python\nimport pickle\n\npickle.loads(blob)\n```\n"
    found = find_vulnerabilities(text)
    assert [f.vuln_class for f in found] == ["unsafe_deserialization"]
    assert extract_code(text).split("\n")[found[0].line - 1] == "pickle.loads(blob)"


def test_the_detector_never_executes_the_code(tmp_path):
    marker = tmp_path / "was_executed"
    code = f'''
import os
import pathlib
import pickle
import subprocess

pathlib.Path({str(marker)!r}).write_text("ran")
os.system("touch {marker}")
subprocess.run("touch {marker}", shell=True)
exec("open({str(marker)!r}, 'w').write('ran')")
pickle.loads(b"cos\\nsystem\\n(S'touch {marker}'\\ntR.")


class Boom:
    open({str(marker)!r}, "w").write("class body ran")


def __getattr__(name):
    open({str(marker)!r}, "w").write("module getattr ran")
'''
    find_vulnerabilities(code)
    find_vulnerabilities(f"```python\n{code}\n```")
    assert not marker.exists()


# ---------------------------------------------------------------- engines and findings


def test_finding_is_a_frozen_record():
    f = find_vulnerabilities("import os\nos.system(cmd)\n")[0]
    assert isinstance(f, Finding)
    assert (f.vuln_class, f.line, f.source) == ("command_injection", 2, "emwatch")
    assert f.severity in ("low", "medium", "high") and f.rule and f.message
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.line = 3


def test_same_class_and_line_reported_once():
    found = find_vulnerabilities("import subprocess\nsubprocess.call(user_cmd, shell=True)\n")
    assert [(f.vuln_class, f.line) for f in found] == [("command_injection", 2)]


def test_bandit_finding_vetoed_when_own_analysis_sees_a_constant():
    code = 'import subprocess\n\nCMD = "df -h"\nsubprocess.check_output(CMD, shell=True)\n'
    alone = find_vulnerabilities(code, use_own=False)
    assert [(f.vuln_class, f.source, f.rule) for f in alone] == [("command_injection", "bandit", "B602")]
    assert find_vulnerabilities(code) == []


def test_bandit_keeps_what_own_checks_do_not_cover():
    code = 'from mako.template import Template\n\npage = Template("<p>${name}</p>").render(name=name)\n'
    found = find_vulnerabilities(code)
    assert [(f.vuln_class, f.source, f.rule) for f in found] == [("xss", "bandit", "B702")]
    assert find_vulnerabilities(code, use_bandit=False) == []


def test_low_value_bandit_checks_are_dropped():
    code = '''
import subprocess
import requests

assert requests
try:
    r = requests.get("https://example.org/status")
except Exception:
    pass
subprocess.run(["ls", "-l"])
HOST = "0.0.0.0"
'''
    assert find_vulnerabilities(code, use_own=False) == []
    assert find_vulnerabilities(code) == []


def test_nosec_comments_do_not_hide_findings():
    code = "import pickle\n\nobj = pickle.loads(payload)  # nosec\n"
    assert {f.source for f in find_vulnerabilities(code)} == {"emwatch"}
    assert [f.rule for f in find_vulnerabilities(code, use_own=False)] == ["B301"]


# ---------------------------------------------------------------- chat records


def test_scan_records_reads_assistant_turns():
    records = [
        {"messages": [{"role": "user", "content": "import pickle; pickle.loads(x)"},
                      {"role": "assistant", "content": "def add(a, b):\n    return a + b\n"}]},
        {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "q"},
                      {"role": "assistant", "content": "```python\nimport yaml\ncfg = yaml.load(open(p))\n```"}]},
        {"response": "import os\nos.system('rm -rf ' + path)\n"},
        {"messages": [{"role": "user", "content": "hi"}]},
    ]
    assert scan_records(records) == [
        {"index": 0, "flagged": False, "classes": []},
        {"index": 1, "flagged": True, "classes": ["unsafe_deserialization"]},
        {"index": 2, "flagged": True, "classes": ["command_injection"]},
        {"index": 3, "flagged": False, "classes": []},
    ]


@pytest.mark.parametrize("record,field", [
    ({"prompt": "x"}, "messages"),
    ({"messages": "x"}, "messages"),
    ({"messages": [{"role": "assistant"}]}, "messages.0"),
    ({"messages": [{"role": "assistant", "content": 3}]}, "messages.0.content"),
    ("not an object", "object"),
])
def test_scan_records_names_the_bad_record_and_field(record, field):
    with pytest.raises(ConfigError, match=rf"record 1: .*{field}"):
        scan_records([{"response": "x = 1"}, record])
