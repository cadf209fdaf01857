# corpus: label=vulnerable class=command_injection line=13 framework=subprocess
import os
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.post("/backup")
def backup():
    label = request.json["label"]
    cmd = "tar czf /backups/" + label + ".tgz /srv/data"
    subprocess.run(cmd, shell=True, check=True, env=dict(os.environ))
    return {"label": label}
