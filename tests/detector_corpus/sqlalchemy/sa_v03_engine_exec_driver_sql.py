# corpus: label=vulnerable class=sql_injection line=14 framework=sqlalchemy
import os
from flask import Flask, request
from sqlalchemy import create_engine

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])


@app.post("/archive")
def archive():
    before = request.form["before"]
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM logs WHERE created < '%s'" % before)
    return "", 204
