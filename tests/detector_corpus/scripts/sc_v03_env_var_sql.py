# corpus: label=vulnerable class=sql_injection line=7 framework=scripts
import os
import sqlite3

tenant = os.environ.get("TENANT", "")
con = sqlite3.connect("multi.db")
rows = con.execute("SELECT * FROM invoices WHERE tenant = '" + tenant + "'").fetchall()
print(len(rows))
