# corpus: label=safe class=xss framework=xss
from flask import Flask, render_template
from markupsafe import Markup

app = Flask(__name__)
FOOTER = Markup('<a href="/privacy">Privacy</a> &middot; <a href="/terms">Terms</a>')

@app.route("/")
def index():
    return render_template("index.html", footer=FOOTER)
