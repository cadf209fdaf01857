# corpus: label=vulnerable class=sql_injection line=8 framework=sqlite3
import sqlite3
import sys

def find_orders(customer):
    db = sqlite3.connect("shop.sqlite")
    query = "SELECT * FROM orders WHERE customer = '%s'" % customer
    return db.execute(query).fetchall()

if __name__ == "__main__":
    for row in find_orders(sys.argv[1]):
        print(row)
