# corpus: label=safe class=sql_injection framework=fastapi
import os
import asyncpg
from fastapi import FastAPI

app = FastAPI()


@app.get("/orders")
async def orders(customer: str):
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        rows = await conn.fetch("SELECT id FROM orders WHERE customer = $1", customer)
    finally:
        await conn.close()
    return [r["id"] for r in rows]
