# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.route("/user")
def user():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    cur = conn.cursor()
    cur.execute("SELECT id, email FROM users WHERE name = ?", (name,))
    return {"rows": cur.fetchall()}
