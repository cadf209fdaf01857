# corpus: label=safe class=code_injection framework=eval
from flask import Flask, request, abort

app = Flask(__name__)


def status():
    return "ok"


def version():
    return "2.3.1"


HANDLERS = {"status": status, "version": version}

@app.route("/tool")
def tool():
    fn = HANDLERS.get(request.args.get("name", ""))
    if fn is None:
        abort(404)
    return fn()
