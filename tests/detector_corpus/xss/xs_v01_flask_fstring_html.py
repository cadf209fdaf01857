# corpus: label=vulnerable class=xss line=9 framework=xss
from flask import Flask, request

app = Flask(__name__)

@app.route("/hello")
def hello():
    name = request.args.get("name", "world")
    return f"<h1>Hello, {name}!</h1>"
