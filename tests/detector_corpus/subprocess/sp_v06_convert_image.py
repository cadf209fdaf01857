# corpus: label=vulnerable class=command_injection line=11 framework=subprocess
import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.post("/thumb")
def thumb():
    size = request.form.get("size", "128x128")
    name = request.form["name"]
    subprocess.call("convert uploads/%s -resize %s thumbs/%s" % (name, size, name), shell=True)
    return "ok"
