# corpus: label=vulnerable class=path_traversal line=12 framework=extra_vuln
import zipfile
from flask import Flask, request

app = Flask(__name__)

@app.post("/extract-one")
def extract_one():
    member = request.form["member"]
    with zipfile.ZipFile("bundle.zip") as zf:
        data = zf.read(member)
    with open("out/" + member, "wb") as fh:
        fh.write(data)
    return "ok"
