# corpus: label=safe class=command_injection framework=subprocess
import os
import paramiko
from flask import Flask, request, abort

app = Flask(__name__)
SERVICES = {"web": "nginx", "worker": "celery-worker", "cache": "redis-server"}


@app.post("/restart")
def restart():
    service = SERVICES.get(request.form["service"])
    if service is None:
        abort(400)
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.connect("app-host", username="deploy", key_filename=os.environ["DEPLOY_KEY"])
    _, stdout, _ = client.exec_command("sudo systemctl restart " + service)
    return stdout.read().decode()
