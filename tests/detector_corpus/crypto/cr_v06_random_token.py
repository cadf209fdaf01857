# corpus: label=vulnerable class=weak_randomness line=10 framework=crypto
import random
import string
from flask import Flask

app = Flask(__name__)

@app.post("/reset")
def reset_token():
    token = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(32))
    return {"token": token}
