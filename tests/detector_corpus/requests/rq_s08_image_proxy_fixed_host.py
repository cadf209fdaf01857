# corpus: label=safe class=ssrf framework=requests
import requests
from flask import Flask, request, Response, abort

app = Flask(__name__)

@app.route("/img")
def img():
    image_id = request.args.get("id", "")
    if not image_id.isalnum():
        abort(400)
    r = requests.get(f"https://cdn.example.com/images/{image_id}.png", timeout=5)
    return Response(r.content, mimetype="image/png")
