# corpus: label=vulnerable class=sql_injection line=24 framework=sqlalchemy
import os
from fastapi import FastAPI
from sqlalchemy import create_engine, select, text, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

engine = create_engine(os.environ["DATABASE_URL"])
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


@app.get("/products")
def list_products(name: str):
    with Session(engine) as s:
        stmt = select(Product).where(text(f"name = '{name}'"))
        return [p.name for p in s.scalars(stmt)]
