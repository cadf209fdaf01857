# corpus: label=safe class=jwt_unverified framework=web_misc
import os
import jwt
from flask import Flask, request

app = Flask(__name__)
KEY = os.environ["JWT_PUBLIC_KEY"]

@app.get("/me")
def me():
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, KEY, algorithms=["RS256"], audience="api")
    return {"user": claims["sub"]}
