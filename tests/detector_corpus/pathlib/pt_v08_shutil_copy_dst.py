# corpus: label=vulnerable class=path_traversal line=10 framework=pathlib
import shutil
from flask import Flask, request

app = Flask(__name__)

@app.post("/publish")
def publish():
    target = request.form["target"]
    shutil.copy("build/site.zip", "/var/www/releases/" + target)
    return "published"
