# corpus: label=safe class=sql_injection framework=sqlalchemy
import os
from flask import Flask, request
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, insert

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
meta = MetaData()
signups = Table("signups", meta, Column("id", Integer, primary_key=True), Column("email", String(200)))


@app.post("/signup")
def signup():
    with engine.begin() as conn:
        conn.execute(insert(signups).values(email=request.form["email"]))
    return "", 201
