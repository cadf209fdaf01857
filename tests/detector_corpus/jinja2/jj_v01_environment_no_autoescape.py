# corpus: label=vulnerable class=xss line=6 framework=jinja2
from jinja2 import Environment, FileSystemLoader
from flask import Flask, request

app = Flask(__name__)
env = Environment(loader=FileSystemLoader("templates"))

@app.route("/card")
def card():
    return env.get_template("card.html").render(title=request.args.get("title", ""))
