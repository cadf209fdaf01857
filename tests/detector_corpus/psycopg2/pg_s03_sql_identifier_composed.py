# corpus: label=safe class=sql_injection framework=psycopg2
import os
import psycopg2
from psycopg2 import sql
from fastapi import FastAPI

app = FastAPI()
pool_dsn = os.environ["PG_DSN"]


@app.get("/export/{table}")
def export(table: str):
    with psycopg2.connect(pool_dsn) as conn:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("SELECT * FROM {} LIMIT 1000").format(sql.Identifier(table)))
            return cur.fetchall()
