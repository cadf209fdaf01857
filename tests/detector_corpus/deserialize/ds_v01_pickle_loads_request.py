# corpus: label=vulnerable class=unsafe_deserialization line=9 framework=deserialize
import pickle
from flask import Flask, request

app = Flask(__name__)

@app.post("/session")
def restore_session():
    state = pickle.loads(request.get_data())
    return {"keys": list(state)}
