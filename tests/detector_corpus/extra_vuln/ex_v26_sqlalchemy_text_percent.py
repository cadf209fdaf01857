# corpus: label=vulnerable class=sql_injection line=9 framework=extra_vuln
import os
import sys
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])
with engine.connect() as conn:
    q = text("SELECT * FROM events WHERE kind = '%s'" % sys.argv[1])
    print(conn.execute(q).fetchall())
