# corpus: label=vulnerable class=sql_injection line=13 framework=fastapi
import os
import asyncpg
from fastapi import FastAPI

app = FastAPI()


@app.get("/orders")
async def orders(customer: str):
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        rows = await conn.fetch(f"SELECT id FROM orders WHERE customer = '{customer}'")
    finally:
        await conn.close()
    return [r["id"] for r in rows]
