# corpus: label=safe class=xss framework=xss
from flask import Flask, request, render_template_string

app = Flask(__name__)

@app.route("/greet")
def greet():
    user = request.args.get("user", "")
    return render_template_string("<p>Welcome back {{ user }}</p>", user=user)
