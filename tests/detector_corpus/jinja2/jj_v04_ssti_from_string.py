# corpus: label=vulnerable class=code_injection line=11 framework=jinja2
from jinja2 import Environment
from flask import Flask, request

app = Flask(__name__)
env = Environment(autoescape=True)

@app.post("/preview-template")
def preview_template():
    tpl = request.form["template"]
    return env.from_string(tpl).render(user="demo")
