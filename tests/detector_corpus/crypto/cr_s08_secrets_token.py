# corpus: label=safe class=weak_randomness framework=crypto
import secrets
from flask import Flask

app = Flask(__name__)

@app.post("/reset")
def reset_token():
    return {"token": secrets.token_urlsafe(32)}
