# corpus: label=safe class=unsafe_deserialization framework=deserialize
import pandas as pd
from flask import Flask, request

app = Flask(__name__)

@app.post("/frame")
def frame():
    df = pd.read_csv(request.files["frame"].stream)
    return {"rows": len(df)}
