# corpus: label=vulnerable class=sql_injection line=13 framework=sqlite3
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.post("/profile")
def update_profile():
    data = request.get_json()
    bio = data["bio"]
    uid = data["id"]
    db = sqlite3.connect("site.db")
    db.execute(f"UPDATE profiles SET bio = '{bio}' WHERE user_id = {uid}")
    db.commit()
    return "", 204
