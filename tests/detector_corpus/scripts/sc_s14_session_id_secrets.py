# corpus: label=safe class=weak_randomness framework=scripts
import secrets
from flask import Flask, make_response

app = Flask(__name__)

@app.post("/login")
def login():
    resp = make_response("ok")
    resp.set_cookie("sid", secrets.token_hex(32), httponly=True, secure=True, samesite="Lax")
    return resp
