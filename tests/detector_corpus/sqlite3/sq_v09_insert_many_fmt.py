# corpus: label=vulnerable class=sql_injection line=9 framework=sqlite3
import csv
import sqlite3
import sys

conn = sqlite3.connect("import.db")
with open(sys.argv[1], newline="") as fh:
    for row in csv.DictReader(fh):
        conn.execute(
            "INSERT INTO contacts (name, phone) VALUES ('%s', '%s')" % (row["name"], row["phone"])
        )
conn.commit()
