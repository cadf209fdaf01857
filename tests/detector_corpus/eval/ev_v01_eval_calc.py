# corpus: label=vulnerable class=code_injection line=9 framework=eval
from flask import Flask, request

app = Flask(__name__)

@app.route("/calc")
def calc():
    expr = request.args.get("expr", "0")
    return str(eval(expr))
