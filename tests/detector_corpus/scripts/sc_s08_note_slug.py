# corpus: label=safe class=path_traversal framework=scripts
import re
from flask import Flask, request, abort

app = Flask(__name__)

@app.post("/save-note")
def save_note():
    slug = re.sub(r"[^a-z0-9-]", "", request.form["title"].lower())[:60]
    if not slug:
        abort(400)
    with open("notes/" + slug + ".md", "w", encoding="utf-8") as fh:
        fh.write(request.form["text"])
    return "saved"
