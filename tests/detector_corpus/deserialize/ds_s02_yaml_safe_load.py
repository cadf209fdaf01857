# corpus: label=safe class=unsafe_deserialization framework=deserialize
import yaml
from flask import Flask, request

app = Flask(__name__)

@app.post("/config")
def upload_config():
    cfg = yaml.safe_load(request.data)
    return {"sections": list(cfg or {})}
