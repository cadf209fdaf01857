# corpus: label=vulnerable class=path_traversal line=10 framework=extra_vuln
from pathlib import Path
from flask import Flask, request, Response

app = Flask(__name__)
MEDIA = Path("media")

@app.get("/media")
def media():
    data = (MEDIA / request.args["f"]).read_bytes()
    return Response(data, mimetype="application/octet-stream")
