# corpus: label=vulnerable class=open_redirect line=9 framework=more_web
from flask import Flask, redirect, request

app = Flask(__name__)

@app.post("/lang")
def set_lang():
    back = request.form.get("back") or request.referrer or "/"
    resp = redirect(back)
    resp.set_cookie("lang", request.form.get("lang", "en"))
    return resp
