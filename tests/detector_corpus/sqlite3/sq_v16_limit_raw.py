# corpus: label=vulnerable class=sql_injection line=11 framework=sqlite3
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.route("/recent")
def recent():
    limit = request.args.get("limit", "10")
    con = sqlite3.connect("feed.db")
    rows = con.execute(f"SELECT body FROM posts ORDER BY id DESC LIMIT {limit}").fetchall()
    return {"posts": [r[0] for r in rows]}
