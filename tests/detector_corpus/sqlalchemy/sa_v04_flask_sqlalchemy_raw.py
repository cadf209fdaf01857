# corpus: label=vulnerable class=sql_injection line=15 framework=sqlalchemy
import os
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)


@app.get("/a")
def article():
    slug = request.args["slug"]
    row = db.session.execute(text("SELECT body FROM article WHERE slug = '" + slug + "'")).first()
    return {"body": row.body if row else None}
