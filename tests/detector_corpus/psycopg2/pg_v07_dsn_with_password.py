# corpus: label=vulnerable class=hardcoded_credentials line=4 framework=psycopg2
import psycopg2

DSN = "postgresql://admin:S3cr3tPassw0rd@10.0.0.12:5432/analytics"


def fetch_daily():
    with psycopg2.connect(DSN) as conn, conn.cursor() as cur:
        cur.execute("SELECT day, visits FROM daily ORDER BY day DESC LIMIT 7")
        return cur.fetchall()
