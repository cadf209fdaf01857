# corpus: label=vulnerable class=xss line=9 framework=xss
import markdown
from flask import Flask, request

app = Flask(__name__)

@app.post("/render")
def render_md():
    return markdown.markdown(request.form["text"])
