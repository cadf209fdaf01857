# corpus: label=safe class=code_injection framework=jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from flask import Flask, request

app = Flask(__name__)
env = ImmutableSandboxedEnvironment(autoescape=True)

@app.post("/preview-template")
def preview_template():
    tpl = request.form["template"]
    return env.from_string(tpl).render(user="demo")
