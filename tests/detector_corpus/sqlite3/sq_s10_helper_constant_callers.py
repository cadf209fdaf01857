# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3


def count_where(column_value):
    con = sqlite3.connect("events.db")
    q = "SELECT COUNT(*) FROM events WHERE kind = '%s'" % column_value
    return con.execute(q).fetchone()[0]


def daily_summary():
    return {
        "logins": count_where("login"),
        "logouts": count_where("logout"),
        "errors": count_where("error"),
    }


print(daily_summary())
