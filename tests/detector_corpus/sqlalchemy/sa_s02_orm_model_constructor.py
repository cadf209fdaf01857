# corpus: label=safe class=sql_injection framework=sqlalchemy
import os
from flask import Flask, request
from sqlalchemy import create_engine, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])


class Base(DeclarativeBase):
    pass


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(String(2000))
    author: Mapped[str] = mapped_column(String(80))


@app.post("/comments")
def add_comment():
    with Session(engine) as session:
        c = Comment(body=request.form["body"], author=request.form["author"])
        session.add(c)
        session.commit()
        return {"id": c.id}
