# corpus: label=safe class=weak_password_hash framework=crypto
import sqlite3
from flask import Flask, request
from werkzeug.security import generate_password_hash

app = Flask(__name__)

@app.post("/register")
def register():
    pw_hash = generate_password_hash(request.form["password"])
    con = sqlite3.connect("users.db")
    con.execute("INSERT INTO users (name, pw) VALUES (?, ?)", (request.form["name"], pw_hash))
    con.commit()
    return "", 201
