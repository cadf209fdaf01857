# corpus: label=vulnerable class=xss line=10 framework=xss
from flask import Flask, request, render_template
from markupsafe import Markup

app = Flask(__name__)

@app.route("/comment", methods=["POST"])
def comment():
    body = request.form["body"]
    return render_template("comment.html", body=Markup(body))
