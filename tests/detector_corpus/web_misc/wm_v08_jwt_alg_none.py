# corpus: label=vulnerable class=jwt_unverified line=11 framework=web_misc
import jwt
from fastapi import FastAPI, Header

app = FastAPI()


@app.get("/claims")
def claims(authorization: str = Header(...)):
    token = authorization.split()[-1]
    return jwt.decode(token, algorithms=["none"], options={"verify_signature": False})
