# corpus: label=safe class=sql_injection framework=sqlite3
import csv
import sqlite3
import sys

conn = sqlite3.connect("import.db")
with open(sys.argv[1], newline="") as fh:
    rows = [(r["name"], r["phone"]) for r in csv.DictReader(fh)]
conn.executemany("INSERT INTO contacts (name, phone) VALUES (?, ?)", rows)
conn.commit()
