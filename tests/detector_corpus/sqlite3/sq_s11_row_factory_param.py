# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3
from fastapi import FastAPI

app = FastAPI()


def get_db():
    con = sqlite3.connect("inventory.db")
    con.row_factory = sqlite3.Row
    return con


@app.get("/items/{sku}")
def read_item(sku: str):
    con = get_db()
    row = con.execute("SELECT * FROM items WHERE sku = ?", (sku,)).fetchone()
    return dict(row) if row else {}
