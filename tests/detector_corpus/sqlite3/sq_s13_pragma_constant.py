# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3

def init(path):
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute(
        "CREATE TABLE IF NOT EXISTS jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, done INTEGER DEFAULT 0)"
    )
    return con

init("jobs.db").close()
