# corpus: label=safe class=command_injection framework=more_web
import socket
from flask import Flask, request

app = Flask(__name__)

@app.post("/dns")
def dns():
    try:
        return {"addresses": sorted({ai[4][0] for ai in socket.getaddrinfo(request.form["name"], None)})}
    except socket.gaierror:
        return {"addresses": []}
