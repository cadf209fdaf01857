# corpus: label=vulnerable class=command_injection line=11 framework=extra_vuln
import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.post("/lint")
def lint():
    files = request.json["files"]
    cmd = "flake8 " + " ".join(files)
    res = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    return {"output": res.stdout}
