# corpus: label=vulnerable class=code_injection line=9 framework=eval
import importlib
from flask import Flask, request

app = Flask(__name__)

@app.route("/tool")
def tool():
    module = importlib.import_module(request.args["module"])
    return str(getattr(module, request.args["attr"])())
