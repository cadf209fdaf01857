# corpus: label=safe class=path_traversal framework=pathlib
import shutil
import time
from flask import Flask

app = Flask(__name__)

@app.post("/publish")
def publish():
    stamp = time.strftime("%Y%m%d-%H%M%S")
    shutil.copy("build/site.zip", f"/var/www/releases/site-{stamp}.zip")
    return "published"
