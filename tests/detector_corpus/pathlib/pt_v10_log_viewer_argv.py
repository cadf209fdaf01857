# corpus: label=vulnerable class=path_traversal line=7 framework=pathlib
from flask import Flask, request

app = Flask(__name__)

def read_log(name):
    with open("/var/log/myapp/" + name, encoding="utf-8") as fh:
        return fh.read()[-10000:]

@app.get("/logs")
def logs():
    return read_log(request.args.get("file", "app.log"))
