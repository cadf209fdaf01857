# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3
from flask import Flask, request, jsonify

app = Flask(__name__)
DB = "library.db"

@app.get("/books/search")
def search_books():
    term = request.args["q"]
    with sqlite3.connect(DB) as con:
        rows = con.execute(
            "SELECT title, author FROM books WHERE title LIKE ?", (f"%{term}%",)
        ).fetchall()
    return jsonify(rows)
