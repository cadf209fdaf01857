# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3
from flask import request, Flask

app = Flask(__name__)
SORTABLE = {"price": "price", "name": "name", "newest": "created_at DESC"}

@app.route("/products")
def products():
    sort = SORTABLE.get(request.args.get("sort", "price"), "price")
    conn = sqlite3.connect("catalog.db")
    rows = conn.execute("SELECT name, price FROM products ORDER BY " + sort).fetchall()
    conn.close()
    return {"products": rows}
