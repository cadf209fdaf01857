# corpus: label=safe class=path_traversal framework=pathlib
import os
from flask import Flask, request, abort
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOAD_DIR = "/srv/uploads"

@app.post("/upload")
def upload():
    f = request.files["file"]
    name = secure_filename(f.filename or "")
    if not name:
        abort(400)
    f.save(os.path.join(UPLOAD_DIR, name))
    return "saved"
