# corpus: label=safe class=sql_injection framework=fastapi
import sqlite3
from fastapi import FastAPI

app = FastAPI()


@app.delete("/sessions/{sid}")
def drop_session(sid: str):
    con = sqlite3.connect("sessions.db")
    con.execute("DELETE FROM sessions WHERE sid = ?", (sid,))
    con.commit()
    return {"deleted": sid}
