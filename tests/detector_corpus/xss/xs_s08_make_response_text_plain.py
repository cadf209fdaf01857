# corpus: label=safe class=xss framework=xss
from flask import Flask, request, make_response

app = Flask(__name__)

@app.route("/error")
def error():
    msg = request.args.get("msg", "unknown error")
    resp = make_response("error: %s" % msg)
    resp.mimetype = "text/plain"
    return resp
