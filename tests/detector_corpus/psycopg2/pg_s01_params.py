# corpus: label=safe class=sql_injection framework=psycopg2
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
        cur.execute("SELECT name FROM customers WHERE city = %s", (city,))
        return {"names": [r[0] for r in cur.fetchall()]}
