# corpus: label=safe class=code_injection framework=eval
import ast
from flask import Flask, request

app = Flask(__name__)

@app.route("/parse")
def parse():
    value = ast.literal_eval(request.args.get("value", "0"))
    return {"type": type(value).__name__}
