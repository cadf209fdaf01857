# corpus: label=safe class=path_traversal framework=archives
import tarfile
from flask import Flask, request

app = Flask(__name__)

@app.post("/import")
def import_bundle():
    f = request.files["bundle"]
    with tarfile.open(fileobj=f.stream, mode="r:gz") as tar:
        tar.extractall("/srv/imports", filter="data")
    return "imported"
