# corpus: label=safe class=sql_injection framework=sqlalchemy
import os
from fastapi import FastAPI
from sqlalchemy import create_engine, select, desc, String, Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

engine = create_engine(os.environ["DATABASE_URL"])
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Player(Base):
    __tablename__ = "players"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    score: Mapped[int] = mapped_column(Integer)


COLUMNS = {"name": Player.name, "score": Player.score}


@app.get("/leaderboard")
def leaderboard(sort: str = "score"):
    col = COLUMNS.get(sort, Player.score)
    with Session(engine) as s:
        return [(p.name, p.score) for p in s.scalars(select(Player).order_by(desc(col)).limit(10))]
