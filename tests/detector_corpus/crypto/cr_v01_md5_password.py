# corpus: label=vulnerable class=weak_password_hash line=10 framework=crypto
import hashlib
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.post("/register")
def register():
    pw_hash = hashlib.md5(request.form["password"].encode()).hexdigest()
    con = sqlite3.connect("users.db")
    con.execute("INSERT INTO users (name, pw) VALUES (?, ?)", (request.form["name"], pw_hash))
    con.commit()
    return "", 201
