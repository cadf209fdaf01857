# corpus: label=vulnerable class=weak_password_hash line=17 framework=extra_vuln
import hashlib
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
USERS = {}


class Signup(BaseModel):
    email: str
    password: str


@app.post("/signup")
def signup(body: Signup):
    USERS[body.email] = hashlib.new("md5", body.password.encode()).hexdigest()
    return {"ok": True}
