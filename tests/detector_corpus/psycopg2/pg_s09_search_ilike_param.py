# corpus: label=safe class=sql_injection framework=psycopg2
import os
import psycopg2
from fastapi import FastAPI, Query

app = FastAPI()


@app.get("/search")
def search(q: str = Query(..., min_length=2)):
    with psycopg2.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute("SELECT id, title FROM docs WHERE title ILIKE %s LIMIT 50", ("%" + q + "%",))
        return [{"id": i, "title": t} for i, t in cur.fetchall()]
