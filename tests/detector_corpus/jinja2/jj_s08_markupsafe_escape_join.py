# corpus: label=safe class=xss framework=jinja2
from markupsafe import Markup, escape
from flask import Flask, request

app = Flask(__name__)

@app.route("/crumbs")
def crumbs():
    parts = request.args.get("path", "").split("/")
    links = Markup(" / ").join(Markup('<a href="#">{}</a>').format(p) for p in parts if p)
    return str(Markup("<nav>") + links + Markup("</nav>")) + str(escape(""))
