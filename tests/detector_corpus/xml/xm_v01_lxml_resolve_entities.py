# corpus: label=vulnerable class=xxe line=10 framework=xml
from flask import Flask, request
from lxml import etree

app = Flask(__name__)

@app.post("/invoice")
def invoice():
    parser = etree.XMLParser(resolve_entities=True, no_network=False)
    doc = etree.fromstring(request.data, parser)
    return {"total": doc.findtext("total")}
