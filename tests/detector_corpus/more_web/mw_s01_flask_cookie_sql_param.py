# corpus: label=safe class=sql_injection framework=more_web
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.route("/cart")
def cart():
    uid = request.cookies.get("uid", "0")
    con = sqlite3.connect("shop.db")
    items = con.execute("SELECT item FROM cart WHERE uid = ?", (uid,)).fetchall()
    return {"items": items}
