# corpus: label=vulnerable class=sql_injection line=15 framework=psycopg2
import os
import psycopg2
from flask import Flask, request

app = Flask(__name__)

def conn():
    return psycopg2.connect(os.environ["DATABASE_URL"])

@app.get("/customers")
def customers():
    city = request.args.get("city", "")
    with conn() as c, c.cursor() as cur:
        cur.execute(f"SELECT name FROM customers WHERE city = '{city}'")
        return {"names": [r[0] for r in cur.fetchall()]}
