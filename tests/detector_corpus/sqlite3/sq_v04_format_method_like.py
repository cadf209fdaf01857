# corpus: label=vulnerable class=sql_injection line=13 framework=sqlite3
import sqlite3
from flask import Flask, request, jsonify

app = Flask(__name__)
DB = "library.db"

@app.get("/books/search")
def search_books():
    term = request.args["q"]
    sql = "SELECT title, author FROM books WHERE title LIKE '%{}%'".format(term)
    with sqlite3.connect(DB) as con:
        rows = con.execute(sql).fetchall()
    return jsonify(rows)
