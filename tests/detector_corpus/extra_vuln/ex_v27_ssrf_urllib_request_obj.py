# corpus: label=vulnerable class=ssrf line=10 framework=extra_vuln
import urllib.request
from flask import Flask, request

app = Flask(__name__)

@app.post("/import-feed")
def import_feed():
    req = urllib.request.Request(request.form["feed_url"], headers={"User-Agent": "importer"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return {"bytes": len(resp.read())}
