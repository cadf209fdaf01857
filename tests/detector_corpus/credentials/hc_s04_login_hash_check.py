# corpus: label=safe class=hardcoded_credentials framework=credentials
import os
from flask import Flask, request, abort
from werkzeug.security import check_password_hash

app = Flask(__name__)
ADMIN_HASH = os.environ["ADMIN_PASSWORD_HASH"]

@app.post("/admin/login")
def admin_login():
    if request.form.get("user") == "admin" and check_password_hash(ADMIN_HASH, request.form.get("password", "")):
        return "welcome"
    abort(401)
