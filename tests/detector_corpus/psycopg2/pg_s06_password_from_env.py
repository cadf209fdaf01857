# corpus: label=safe class=hardcoded_credentials framework=psycopg2
import os
import psycopg2

conn = psycopg2.connect(
    host=os.environ.get("DB_HOST", "localhost"),
    dbname="billing",
    user=os.environ["DB_USER"],
    password=os.environ["DB_PASSWORD"],
)
cur = conn.cursor()
cur.execute("SELECT count(*) FROM invoices")
print(cur.fetchone()[0])
