# corpus: label=vulnerable class=sql_injection line=10 framework=sqlite3
import sqlite3
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("table")
args = parser.parse_args()

conn = sqlite3.connect("data.db")
conn.executescript(f"DROP TABLE IF EXISTS {args.table}; VACUUM;")
conn.commit()
