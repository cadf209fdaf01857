# corpus: label=safe class=xxe framework=xml
from flask import Flask, request
from defusedxml import ElementTree as ET

app = Flask(__name__)

@app.post("/invoice")
def invoice():
    doc = ET.fromstring(request.data)
    return {"total": doc.findtext("total")}
