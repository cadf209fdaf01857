# corpus: label=safe class=hardcoded_credentials framework=credentials
import os
from flask import Flask, session

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]

@app.route("/visit")
def visit():
    session["n"] = session.get("n", 0) + 1
    return str(session["n"])
