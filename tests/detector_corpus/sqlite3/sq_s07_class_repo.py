# corpus: label=safe class=sql_injection framework=sqlite3
import sqlite3


class UserRepo:
    def __init__(self, path="users.db"):
        self.conn = sqlite3.connect(path)

    def by_email(self, email):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM users WHERE email=?", [email])
        return cur.fetchone()


repo = UserRepo()
print(repo.by_email(input("email> ")))
