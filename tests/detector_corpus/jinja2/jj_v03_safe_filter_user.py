# corpus: label=vulnerable class=xss line=8 framework=jinja2
from flask import Flask, request, render_template_string

app = Flask(__name__)

@app.route("/sig")
def sig():
    return render_template_string("<div>{{ s|safe }}</div>", s=request.args.get("s", ""))
