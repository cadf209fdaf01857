# corpus: label=safe class=path_traversal framework=pathlib
from flask import Flask

app = Flask(__name__)

def read_log(name):
    with open("/var/log/myapp/" + name, encoding="utf-8") as fh:
        return fh.read()[-10000:]

@app.get("/logs/app")
def app_log():
    return read_log("app.log")

@app.get("/logs/errors")
def error_log():
    return read_log("errors.log")
