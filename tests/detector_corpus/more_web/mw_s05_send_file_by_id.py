# corpus: label=safe class=path_traversal framework=more_web
from flask import Flask, request, send_file, abort

app = Flask(__name__)

@app.get("/avatar")
def avatar():
    user = request.args.get("user", "default")
    if not user.isalnum():
        abort(400)
    return send_file(f"static/avatars/{user}.png", mimetype="image/png")
