# corpus: label=vulnerable class=sql_injection line=12 framework=sqlalchemy
import os
import sys
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

Session = sessionmaker(bind=create_engine(os.environ["DATABASE_URL"]))

with Session() as session:
    team = sys.argv[1]
    stmt = text("SELECT player FROM roster WHERE team = '{}'".format(team))
    for (player,) in session.execute(stmt):
        print(player)
