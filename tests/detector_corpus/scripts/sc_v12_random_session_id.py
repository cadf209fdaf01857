# corpus: label=vulnerable class=weak_randomness line=10 framework=scripts
import random
import time
from flask import Flask, make_response

app = Flask(__name__)

@app.post("/login")
def login():
    sid = str(random.getrandbits(64)) + str(int(time.time()))
    resp = make_response("ok")
    resp.set_cookie("sid", sid, httponly=True, secure=True)
    return resp
