# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3

MIGRATIONS = [
    "ALTER TABLE users ADD COLUMN last_seen TEXT",
    "CREATE INDEX IF NOT EXISTS idx_users_email ON users(email)",
]

con = sqlite3.connect("app.db")
version = con.execute("PRAGMA user_version").fetchone()[0]
for i, stmt in enumerate(MIGRATIONS[version:], start=version + 1):
    con.execute(stmt)
    con.execute(f"PRAGMA user_version = {int(i)}")
con.commit()
