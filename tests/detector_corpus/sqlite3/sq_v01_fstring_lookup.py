# corpus: label=vulnerable class=sql_injection line=12 framework=sqlite3
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.route("/user")
def user():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute(f"SELECT id, email FROM users WHERE name = '{name}'")
    return {"rows": cur.fetchall()}
