# corpus: label=safe class=command_injection framework=subprocess
import subprocess
from pathlib import Path
from flask import Flask, request, abort
from werkzeug.utils import secure_filename

app = Flask(__name__)
SIZES = {"small": "64x64", "medium": "128x128", "large": "512x512"}

@app.post("/thumb")
def thumb():
    size = SIZES.get(request.form.get("size", "medium"))
    name = secure_filename(request.form["name"])
    if not size or not name:
        abort(400)
    subprocess.run(["convert", str(Path("uploads") / name), "-resize", size, str(Path("thumbs") / name)], check=True)
    return "ok"
