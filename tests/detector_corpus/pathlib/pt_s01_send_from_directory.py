# corpus: label=safe class=path_traversal framework=pathlib
from flask import Flask, request, send_from_directory

app = Flask(__name__)
BASE = "/srv/reports"

@app.route("/report")
def report():
    name = request.args.get("name", "")
    return send_from_directory(BASE, name)
