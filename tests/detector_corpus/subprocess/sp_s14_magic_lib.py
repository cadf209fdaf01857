# corpus: label=safe class=command_injection framework=subprocess
from pathlib import Path
from flask import Flask, request, abort
import magic

app = Flask(__name__)
UPLOADS = Path("uploads").resolve()


@app.get("/file-type")
def file_type():
    p = (UPLOADS / request.args["name"]).resolve()
    if not p.is_relative_to(UPLOADS) or not p.is_file():
        abort(404)
    return magic.from_file(str(p))
