# corpus: label=vulnerable class=path_traversal line=11 framework=archives
import tarfile
from flask import Flask, request

app = Flask(__name__)

@app.post("/import")
def import_bundle():
    f = request.files["bundle"]
    with tarfile.open(fileobj=f.stream, mode="r:gz") as tar:
        tar.extractall("/srv/imports")
    return "imported"
