# corpus: label=safe class=code_injection framework=eval
import operator
from flask import Flask, request, abort

app = Flask(__name__)
OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}

@app.route("/calc")
def calc():
    a = float(request.args["a"])
    b = float(request.args["b"])
    op = OPS.get(request.args.get("op", "+"))
    if op is None:
        abort(400)
    return {"result": op(a, b)}
