# corpus: label=vulnerable class=code_injection line=10 framework=extra_vuln
from flask import Flask, request

app = Flask(__name__)

@app.get("/compute")
def compute():
    x = float(request.args.get("x", "0"))
    expr = request.args.get("expr", "x * 2")
    return {"value": eval(expr, {"__builtins__": {}}, {"x": x})}
