# corpus: label=safe class=xss framework=xss
import bleach
import markdown
from flask import Flask, request

app = Flask(__name__)

@app.post("/render")
def render_md():
    raw_html = markdown.markdown(request.form["text"])
    return bleach.clean(raw_html, tags=["p", "em", "strong", "code", "pre", "ul", "ol", "li", "a"])
