# corpus: label=vulnerable class=code_injection line=9 framework=extra_vuln
from flask import Flask, request

app = Flask(__name__)

@app.post("/hook")
def hook():
    ns = {"payload": request.json}
    exec(request.json.get("script", ""), ns)
    return {"result": ns.get("result")}
