# corpus: label=vulnerable class=command_injection line=15 framework=subprocess
import os
import paramiko
from flask import Flask, request

app = Flask(__name__)


@app.post("/restart")
def restart():
    service = request.form["service"]
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.connect("app-host", username="deploy", key_filename=os.environ["DEPLOY_KEY"])
    _, stdout, _ = client.exec_command("sudo systemctl restart " + service)
    return stdout.read().decode()
