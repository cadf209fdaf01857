# corpus: label=safe class=sql_injection framework=scripts
import sqlite3

TABLE = "measurements"
COLUMNS = ("sensor", "ts", "value")

con = sqlite3.connect("iot.db")
placeholders = ", ".join("?" for _ in COLUMNS)
con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({', '.join(COLUMNS)})")
con.execute(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) VALUES ({placeholders})", ("t1", 1700000000, 21.5))
con.commit()
