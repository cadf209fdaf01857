# corpus: label=vulnerable class=command_injection line=10 framework=subprocess
import subprocess
from flask import Flask, request

app = Flask(__name__)


@app.get("/file-type")
def file_type():
    return subprocess.getoutput("file -b uploads/" + request.args["name"])
