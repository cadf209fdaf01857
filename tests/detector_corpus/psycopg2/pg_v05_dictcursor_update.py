# corpus: label=vulnerable class=sql_injection line=14 framework=psycopg2
import os
import psycopg2
import psycopg2.extras
from flask import Flask, request

app = Flask(__name__)

@app.put("/tickets/<int:tid>")
def set_status(tid):
    status = request.form["status"]
    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    cur = conn.cursor(cursor_factory=psycopg2.extras.DictCursor)
    cur.execute("UPDATE tickets SET status = '" + status + "' WHERE id = %s", (tid,))
    conn.commit()
    return {"id": tid}
