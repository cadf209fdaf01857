# corpus: label=safe class=sql_injection framework=sqlalchemy
import os
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)


class Recipe(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200))


@app.get("/recipes")
def recipes():
    q = request.args.get("q", "")
    found = Recipe.query.filter(Recipe.title.ilike(f"%{q}%")).limit(20).all()
    return {"titles": [r.title for r in found]}
