# corpus: label=vulnerable class=xss line=10 framework=xss
from flask import Flask, request, render_template_string

app = Flask(__name__)

@app.route("/greet")
def greet():
    user = request.args.get("user", "")
    page = "<p>Welcome back " + user + "</p>"
    return render_template_string(page)
