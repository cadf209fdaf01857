# corpus: label=vulnerable class=xss line=9 framework=xss
from flask import Flask, request, make_response

app = Flask(__name__)

@app.route("/error")
def error():
    msg = request.args.get("msg", "unknown error")
    resp = make_response("<div class='err'>%s</div>" % msg)
    resp.headers["Content-Type"] = "text/html"
    return resp
