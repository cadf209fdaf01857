# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3
import sys

def find_orders(customer):
    db = sqlite3.connect("shop.sqlite")
    return db.execute(
        "SELECT * FROM orders WHERE customer = :c", {"c": customer}
    ).fetchall()

if __name__ == "__main__":
    for row in find_orders(sys.argv[1]):
        print(row)
