# corpus: label=safe class=xss framework=jinja2
from flask import Flask, render_template_string

app = Flask(__name__)
BANNER = "<strong>Maintenance tonight 22:00 UTC</strong>"

@app.route("/banner")
def banner():
    return render_template_string("<div>{{ b|safe }}</div>", b=BANNER)
