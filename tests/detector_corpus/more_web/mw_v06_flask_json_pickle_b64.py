# corpus: label=vulnerable class=unsafe_deserialization line=11 framework=more_web
import base64
import pickle
from flask import Flask, request

app = Flask(__name__)

@app.post("/restore")
def restore():
    blob = request.json["blob"]
    obj = pickle.loads(base64.b64decode(blob))
    return {"restored": str(obj)[:100]}
