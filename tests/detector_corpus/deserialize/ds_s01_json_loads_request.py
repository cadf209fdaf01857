# corpus: label=safe class=unsafe_deserialization framework=deserialize
import json
from flask import Flask, request

app = Flask(__name__)

@app.post("/session")
def restore_session():
    state = json.loads(request.get_data())
    return {"keys": list(state)}
