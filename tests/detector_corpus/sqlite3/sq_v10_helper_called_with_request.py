# corpus: label=vulnerable class=sql_injection line=11 framework=sqlite3
import sqlite3
from flask import Flask, request

app = Flask(__name__)


def count_where(column_value):
    con = sqlite3.connect("events.db")
    q = "SELECT COUNT(*) FROM events WHERE kind = '%s'" % column_value
    return con.execute(q).fetchone()[0]


@app.route("/stats")
def stats():
    return {"count": count_where(request.args.get("kind"))}
