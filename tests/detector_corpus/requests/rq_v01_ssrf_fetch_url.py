# corpus: label=vulnerable class=ssrf line=10 framework=requests
import requests
from flask import Flask, request

app = Flask(__name__)

@app.route("/fetch")
def fetch():
    url = request.args["url"]
    r = requests.get(url, timeout=5)
    return r.text[:2000]
