# corpus: label=vulnerable class=hardcoded_credentials line=5 framework=credentials
from flask import Flask, session

app = Flask(__name__)
app.secret_key = "dev-secret-please-change"

@app.route("/visit")
def visit():
    session["n"] = session.get("n", 0) + 1
    return str(session["n"])
