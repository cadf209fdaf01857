# corpus: label=safe class=hardcoded_credentials framework=psycopg2
import psycopg2
from pathlib import Path

DSN = Path("/run/secrets/analytics_dsn").read_text().strip()


def fetch_daily():
    with psycopg2.connect(DSN) as conn, conn.cursor() as cur:
        cur.execute("SELECT day, visits FROM daily ORDER BY day DESC LIMIT 7")
        return cur.fetchall()
