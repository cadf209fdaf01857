# corpus: label=vulnerable class=path_traversal line=8 framework=pathlib
from flask import Flask, request

app = Flask(__name__)

@app.get("/notes/<user>")
def notes(user):
    with open("/data/notes/" + user + ".txt") as fh:
        return fh.read()
