# corpus: label=vulnerable class=ssrf line=10 framework=requests
import requests
from flask import Flask, request, Response

app = Flask(__name__)

@app.route("/img")
def img():
    host = request.args.get("cdn", "cdn.example.com")
    r = requests.get(f"http://{host}/images/{request.args['id']}.png", timeout=5)
    return Response(r.content, mimetype="image/png")
