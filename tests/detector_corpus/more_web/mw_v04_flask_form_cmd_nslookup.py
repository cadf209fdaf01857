# corpus: label=vulnerable class=command_injection line=10 framework=more_web
import os
from flask import Flask, request

app = Flask(__name__)

@app.post("/dns")
def dns():
    name = request.form["name"]
    stream = os.popen(f"dig +short {name}")
    return stream.read()
