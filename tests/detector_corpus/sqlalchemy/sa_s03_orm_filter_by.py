# corpus: label=safe class=sql_injection framework=sqlalchemy
import os
from fastapi import FastAPI
from sqlalchemy import create_engine, select, String
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

engine = create_engine(os.environ["DATABASE_URL"])
app = FastAPI()


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50))


@app.get("/products")
def list_products(category: str):
    with Session(engine) as s:
        stmt = select(Product).where(Product.category == category).order_by(Product.name)
        return [p.name for p in s.scalars(stmt)]
