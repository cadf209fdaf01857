# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.post("/profile")
def update_profile():
    data = request.get_json()
    db = sqlite3.connect("site.db")
    db.execute("UPDATE profiles SET bio = ? WHERE user_id = ?", (data["bio"], int(data["id"])))
    db.commit()
    return "", 204
