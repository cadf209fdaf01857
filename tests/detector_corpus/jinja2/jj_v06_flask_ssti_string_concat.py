# corpus: label=vulnerable class=code_injection line=10 framework=jinja2
from flask import Flask, request, render_template_string

app = Flask(__name__)

@app.route("/404")
def not_found():
    path = request.args.get("path", "")
    template = "{% extends 'base.html' %}{% block body %}<p>No page at " + path + "</p>{% endblock %}"
    return render_template_string(template), 404
