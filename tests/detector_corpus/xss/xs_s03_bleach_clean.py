# corpus: label=safe class=xss framework=xss
import bleach
from flask import Flask, request, render_template
from markupsafe import Markup

app = Flask(__name__)
ALLOWED = ["b", "i", "em", "strong", "a", "p", "ul", "li"]

@app.route("/comment", methods=["POST"])
def comment():
    body = bleach.clean(request.form["body"], tags=ALLOWED, attributes={"a": ["href"]}, strip=True)
    return render_template("comment.html", body=Markup(body))
