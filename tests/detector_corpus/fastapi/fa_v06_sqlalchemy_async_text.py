# corpus: label=vulnerable class=sql_injection line=14 framework=fastapi
import os
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

app = FastAPI()
engine = create_async_engine(os.environ["DATABASE_URL"])


@app.get("/count")
async def count(status: str):
    async with engine.connect() as conn:
        res = await conn.execute(text(f"SELECT count(*) FROM jobs WHERE status = '{status}'"))
        return {"n": res.scalar_one()}
