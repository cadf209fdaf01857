# corpus: label=vulnerable class=sql_injection line=9 framework=psycopg2
import os
import sys
import psycopg2

conn = psycopg2.connect(dbname="hr", user="reporter", password=os.environ["PGPASSWORD"], host="localhost")
cur = conn.cursor()
dept = sys.argv[1]
cur.execute("SELECT name, salary FROM staff WHERE dept = '%s'" % dept)
for name, salary in cur:
    print(name, salary)
