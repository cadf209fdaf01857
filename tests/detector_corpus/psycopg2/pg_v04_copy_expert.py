# corpus: label=vulnerable class=sql_injection line=15 framework=psycopg2
import os
import psycopg2
from flask import Flask, request, Response

app = Flask(__name__)

@app.route("/csv")
def csv_dump():
    where = request.args.get("filter", "true")
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    cur = conn.cursor()
    import io
    buf = io.StringIO()
    cur.copy_expert(f"COPY (SELECT * FROM events WHERE {where}) TO STDOUT WITH CSV", buf)
    return Response(buf.getvalue(), mimetype="text/csv")
