# corpus: label=safe class=open_redirect framework=web_misc
from urllib.parse import urlparse
from flask import Flask, request, redirect

app = Flask(__name__)

@app.route("/login/done")
def login_done():
    target = request.args.get("next", "/")
    parts = urlparse(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = "/"
    return redirect(target)
