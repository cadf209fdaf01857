# corpus: label=safe class=path_traversal framework=pathlib
import os
from flask import Flask, abort

app = Flask(__name__)
ROOT = os.path.realpath("/data/notes")

@app.get("/notes/<user>")
def notes(user):
    path = os.path.realpath(os.path.join(ROOT, user + ".txt"))
    if os.path.commonpath([ROOT, path]) != ROOT:
        abort(403)
    with open(path) as fh:
        return fh.read()
