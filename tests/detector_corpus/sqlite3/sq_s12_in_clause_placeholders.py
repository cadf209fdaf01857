# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3
from flask import Flask, request

app = Flask(__name__)

@app.get("/tags")
def tags():
    wanted = request.args.getlist("tag")
    marks = ",".join("?" for _ in wanted)
    con = sqlite3.connect("blog.db")
    rows = con.execute(f"SELECT post_id FROM tags WHERE tag IN ({marks})", wanted).fetchall()
    return {"posts": [r[0] for r in rows]}
