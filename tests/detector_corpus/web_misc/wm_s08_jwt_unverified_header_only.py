# corpus: label=safe class=jwt_unverified framework=web_misc
import os
import jwt
from fastapi import FastAPI, Header, HTTPException

app = FastAPI()
KEYS = {"2024-a": os.environ["JWT_KEY_A"], "2024-b": os.environ["JWT_KEY_B"]}


@app.get("/claims")
def claims(authorization: str = Header(...)):
    token = authorization.split()[-1]
    kid = jwt.get_unverified_header(token).get("kid")
    if kid not in KEYS:
        raise HTTPException(401)
    return jwt.decode(token, KEYS[kid], algorithms=["HS256"])
