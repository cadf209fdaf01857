# corpus: label=safe class=sql_injection framework=psycopg2
import os
import psycopg2
from psycopg2.extras import execute_values

rows = [("alpha", 1), ("beta", 2), ("gamma", 3)]
with psycopg2.connect(os.environ["DATABASE_URL"]) as conn:
    with conn.cursor() as cur:
        execute_values(cur, "INSERT INTO counters (name, value) VALUES %s", rows)
