# corpus: label=vulnerable class=xss line=10 framework=xss
from flask import Flask, request

app = Flask(__name__)

@app.post("/preview")
def preview():
    items = request.form.getlist("item")
    lis = "".join("<li>" + i + "</li>" for i in items)
    return "<ul>" + lis + "</ul>"
