# corpus: label=vulnerable class=unsafe_deserialization line=9 framework=deserialize
import yaml
from flask import Flask, request

app = Flask(__name__)

@app.post("/config")
def upload_config():
    cfg = yaml.load(request.data, Loader=yaml.Loader)
    return {"sections": list(cfg)}
