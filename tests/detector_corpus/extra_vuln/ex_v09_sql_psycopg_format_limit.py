# corpus: label=vulnerable class=sql_injection line=13 framework=extra_vuln
import os
import psycopg2
from flask import Flask, request

app = Flask(__name__)

@app.get("/audit")
def audit():
    actor = request.args.get("actor", "")
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    cur = conn.cursor()
    cur.execute("SELECT action, at FROM audit WHERE actor = '{0}' ORDER BY at DESC".format(actor))
    return {"rows": cur.fetchall()}
