# corpus: label=vulnerable class=path_traversal line=9 framework=scripts
from flask import Flask, request

app = Flask(__name__)

@app.post("/save-note")
def save_note():
    title = request.form["title"]
    with open("notes/" + title, "w", encoding="utf-8") as fh:
        fh.write(request.form["text"])
    return "saved"
