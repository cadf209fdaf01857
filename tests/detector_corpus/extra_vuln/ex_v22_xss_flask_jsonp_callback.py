# corpus: label=vulnerable class=xss line=11 framework=extra_vuln
from flask import Flask, request, Response
import json

app = Flask(__name__)

@app.get("/data.js")
def data_js():
    cb = request.args.get("callback", "cb")
    body = cb + "(" + json.dumps({"n": 1}) + ");"
    return Response(body, mimetype="text/html")
