# corpus: label=vulnerable class=hardcoded_credentials line=4 framework=sqlalchemy
from sqlalchemy import create_engine, text

engine = create_engine("mysql+pymysql://root:toor_Pa55@127.0.0.1:3306/shop")

with engine.connect() as conn:
    print(conn.execute(text("SELECT COUNT(*) FROM orders")).scalar())
