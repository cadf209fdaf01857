# corpus: label=vulnerable class=sql_injection line=9 framework=sqlite3
import sqlite3

con = sqlite3.connect("movies.db")
while True:
    year = input("year (blank to quit): ").strip()
    if not year:
        break
    for title, in con.execute("SELECT title FROM movies WHERE year = " + year):
        print(title)
