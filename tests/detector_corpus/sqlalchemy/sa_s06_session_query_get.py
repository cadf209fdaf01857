# corpus: label=safe class=sql_injection framework=sqlalchemy
import os
from flask import Flask, abort
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)


class Article(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(120), unique=True)
    body = db.Column(db.Text)


@app.get("/a/<slug>")
def article(slug):
    a = Article.query.filter_by(slug=slug).first()
    if a is None:
        abort(404)
    return {"body": a.body}
