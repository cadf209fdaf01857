# corpus: label=safe class=ssrf framework=requests
from urllib.parse import urlparse

import requests
from flask import Flask, request, abort

app = Flask(__name__)
ALLOWED_HOSTS = {"api.github.com", "pypi.org"}

@app.route("/fetch")
def fetch():
    url = request.args["url"]
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_HOSTS:
        abort(400)
    r = requests.get(url, timeout=5, allow_redirects=False)
    return r.text[:2000]
