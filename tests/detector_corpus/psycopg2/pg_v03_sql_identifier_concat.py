# corpus: label=vulnerable class=sql_injection line=14 framework=psycopg2
import os
import psycopg2
from fastapi import FastAPI

app = FastAPI()
pool_dsn = os.environ["PG_DSN"]


@app.get("/export/{table}")
def export(table: str):
    with psycopg2.connect(pool_dsn) as conn:
        with conn.cursor() as cur:
            cur.execute("SELECT * FROM " + table + " LIMIT 1000")
            return cur.fetchall()
