# corpus: label=vulnerable class=ssrf line=9 framework=scripts
import requests
from flask import Flask, request

app = Flask(__name__)


def get_json(url):
    return requests.get(url, timeout=5).json()


@app.route("/proxy-json")
def proxy_json():
    return get_json(request.args["src"])
