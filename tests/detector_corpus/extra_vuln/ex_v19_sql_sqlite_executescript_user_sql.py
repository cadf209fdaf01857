# corpus: label=vulnerable class=sql_injection line=10 framework=extra_vuln
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.post("/admin/sql")
def admin_sql():
    con = sqlite3.connect("app.db")
    con.executescript(request.form["sql"])
    return "ran"
