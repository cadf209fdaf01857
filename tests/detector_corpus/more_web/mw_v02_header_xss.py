# corpus: label=vulnerable class=xss line=9 framework=more_web
from flask import Flask, request

app = Flask(__name__)

@app.route("/debug-agent")
def agent():
    ua = request.headers.get("User-Agent", "")
    return "<html><body>Your browser: " + ua + "</body></html>"
