# corpus: label=vulnerable class=hardcoded_credentials line=8 framework=credentials
from flask import Flask, request, abort

app = Flask(__name__)

@app.post("/admin/login")
def admin_login():
    if request.form.get("user") == "admin" and request.form.get("password") == "hunter2-admin!":
        return "welcome"
    abort(401)
