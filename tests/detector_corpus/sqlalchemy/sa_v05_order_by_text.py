# corpus: label=vulnerable class=sql_injection line=13 framework=sqlalchemy
import os
from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])
app = FastAPI()


@app.get("/leaderboard")
def leaderboard(sort: str = "score"):
    with engine.connect() as c:
        rows = c.execute(text("SELECT name, score FROM players ORDER BY " + sort + " DESC LIMIT 10"))
        return [tuple(r) for r in rows]
