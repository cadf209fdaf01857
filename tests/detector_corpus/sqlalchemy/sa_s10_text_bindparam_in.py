# corpus: label=safe class=sql_injection framework=sqlalchemy
import os
import sys
from sqlalchemy import bindparam, create_engine, text

engine = create_engine(os.environ["DATABASE_URL"])
stmt = text("SELECT id, name FROM teams WHERE code IN :codes").bindparams(bindparam("codes", expanding=True))
with engine.connect() as conn:
    for row in conn.execute(stmt, {"codes": sys.argv[1:]}):
        print(row.id, row.name)
