# corpus: label=safe class=sql_injection framework=more_web
import os
from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)


class Setting(db.Model):
    key = db.Column(db.String(64), primary_key=True)
    value = db.Column(db.String(256))


@app.post("/settings/<key>")
def update_setting(key):
    s = db.session.get(Setting, key) or Setting(key=key)
    s.value = request.form["value"]
    db.session.add(s)
    db.session.commit()
    return {"key": s.key, "value": s.value}
