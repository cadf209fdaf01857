# corpus: label=safe class=sql_injection framework=sqlalchemy
import os
from flask import Flask, request
from sqlalchemy import MetaData, Table, create_engine, update

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
meta = MetaData()
accounts = Table("accounts", meta, autoload_with=engine)


@app.post("/rename")
def rename():
    with engine.begin() as conn:
        conn.execute(
            update(accounts).where(accounts.c.id == int(request.form["id"])).values(display_name=request.form["name"])
        )
    return "", 204
