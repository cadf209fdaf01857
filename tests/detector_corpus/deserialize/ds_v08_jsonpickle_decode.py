# corpus: label=vulnerable class=unsafe_deserialization line=9 framework=deserialize
import jsonpickle
from flask import Flask, request

app = Flask(__name__)

@app.post("/import")
def import_state():
    obj = jsonpickle.decode(request.get_data(as_text=True))
    return {"type": type(obj).__name__}
