# corpus: label=vulnerable class=jwt_unverified line=10 framework=web_misc
import jwt
from flask import Flask, request

app = Flask(__name__)

@app.get("/me")
def me():
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    return {"user": claims["sub"]}
