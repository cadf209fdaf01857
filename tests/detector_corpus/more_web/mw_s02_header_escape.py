# corpus: label=safe class=xss framework=more_web
import html
from flask import Flask, request

app = Flask(__name__)

@app.route("/debug-agent")
def agent():
    ua = request.headers.get("User-Agent", "")
    return "<html><body>Your browser: " + html.escape(ua) + "</body></html>"
