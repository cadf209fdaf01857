# corpus: label=safe class=open_redirect framework=more_web
from flask import Flask, redirect, request, url_for

app = Flask(__name__)

@app.post("/logout")
def logout():
    dest = request.form.get("dest", "index")
    if dest not in {"index", "login"}:
        dest = "index"
    return redirect(url_for(dest))
