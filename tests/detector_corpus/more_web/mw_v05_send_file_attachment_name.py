# corpus: label=vulnerable class=path_traversal line=9 framework=more_web
from flask import Flask, request, send_file

app = Flask(__name__)

@app.get("/avatar")
def avatar():
    user = request.args.get("user", "default")
    return send_file(f"static/avatars/{user}.png", mimetype="image/png")
