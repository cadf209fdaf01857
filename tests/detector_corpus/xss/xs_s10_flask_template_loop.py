# corpus: label=safe class=xss framework=xss
from flask import Flask, request, render_template_string

app = Flask(__name__)
TEMPLATE = "<ul>{% for i in items %}<li>{{ i }}</li>{% endfor %}</ul>"

@app.post("/preview")
def preview():
    return render_template_string(TEMPLATE, items=request.form.getlist("item"))
