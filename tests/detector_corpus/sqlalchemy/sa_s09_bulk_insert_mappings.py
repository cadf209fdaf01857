# corpus: label=safe class=sql_injection framework=sqlalchemy
import csv
import os
import sys
from sqlalchemy import create_engine, MetaData, Table

engine = create_engine(os.environ["DATABASE_URL"])
meta = MetaData()
people = Table("people", meta, autoload_with=engine)

with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    records = [{"name": r["name"], "age": int(r["age"])} for r in csv.DictReader(fh)]
with engine.begin() as conn:
    conn.execute(people.insert(), records)
