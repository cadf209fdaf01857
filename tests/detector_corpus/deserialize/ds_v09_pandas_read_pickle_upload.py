# corpus: label=vulnerable class=unsafe_deserialization line=10 framework=deserialize
import pandas as pd
from flask import Flask, request

app = Flask(__name__)

@app.post("/frame")
def frame():
    f = request.files["frame"]
    df = pd.read_pickle(f.stream)
    return {"rows": len(df)}
