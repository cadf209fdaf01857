# corpus: label=safe class=sql_injection framework=scripts
import os
import sqlite3

tenant = os.environ.get("TENANT", "")
con = sqlite3.connect("multi.db")
rows = con.execute("SELECT * FROM invoices WHERE tenant = ?", (tenant,)).fetchall()
print(len(rows))
