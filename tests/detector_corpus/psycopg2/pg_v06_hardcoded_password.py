# corpus: label=vulnerable class=hardcoded_credentials line=8 framework=psycopg2
import psycopg2

conn = psycopg2.connect(
    host="db.internal.example.com",
    dbname="billing",
    user="billing_app",
    password="Winter2024!billing",
)
cur = conn.cursor()
cur.execute("SELECT count(*) FROM invoices")
print(cur.fetchone()[0])
