# corpus: label=safe class=hardcoded_credentials framework=sqlalchemy
import os
from sqlalchemy import URL, create_engine, text

url = URL.create(
    "mysql+pymysql",
    username=os.environ["DB_USER"],
    password=os.environ["DB_PASS"],
    host=os.environ.get("DB_HOST", "127.0.0.1"),
    database="shop",
)
engine = create_engine(url)
with engine.connect() as conn:
    print(conn.execute(text("SELECT COUNT(*) FROM orders")).scalar())
