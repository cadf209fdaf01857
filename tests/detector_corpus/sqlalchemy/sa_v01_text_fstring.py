# corpus: label=vulnerable class=sql_injection line=13 framework=sqlalchemy
import os
from flask import Flask, request
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])

@app.get("/users")
def users():
    role = request.args.get("role", "member")
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT name FROM users WHERE role = '{role}'")).all()
    return {"users": [r.name for r in rows]}
