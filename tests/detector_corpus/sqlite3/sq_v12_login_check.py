# corpus: label=vulnerable class=sql_injection line=13 framework=sqlite3
import sqlite3
from flask import Flask, request, session

app = Flask(__name__)
app.secret_key = __import__("os").environ["SECRET_KEY"]

@app.post("/login")
def login():
    u = request.form["username"]
    p = request.form["password_hash"]
    c = sqlite3.connect("auth.db").cursor()
    c.execute("SELECT id FROM accounts WHERE username='%s' AND pw='%s'" % (u, p))
    row = c.fetchone()
    if row:
        session["uid"] = row[0]
    return {"ok": bool(row)}
