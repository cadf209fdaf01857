# corpus: label=safe class=unsafe_deserialization framework=more_web
import os
from flask import Flask, request, abort
from itsdangerous import BadSignature, URLSafeSerializer

app = Flask(__name__)
serializer = URLSafeSerializer(os.environ["SIGNING_KEY"], salt="restore")

@app.post("/restore")
def restore():
    try:
        obj = serializer.loads(request.json["blob"])
    except BadSignature:
        abort(400)
    return {"restored": str(obj)[:100]}
