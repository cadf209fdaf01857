# corpus: label=vulnerable class=sql_injection line=11 framework=sqlite3
import sqlite3
from flask import request, Flask

app = Flask(__name__)

@app.route("/products")
def products():
    sort = request.args.get("sort", "price")
    conn = sqlite3.connect("catalog.db")
    rows = conn.execute("SELECT name, price FROM products ORDER BY " + sort).fetchall()
    conn.close()
    return {"products": rows}
