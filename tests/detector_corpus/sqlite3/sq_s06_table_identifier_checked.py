# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3
import argparse

parser = argparse.ArgumentParser()
parser.add_argument("table", choices=["staging_events", "staging_users"])
args = parser.parse_args()

conn = sqlite3.connect("data.db")
conn.execute(f"DROP TABLE IF EXISTS {args.table}")
conn.commit()
