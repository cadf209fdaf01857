# corpus: label=vulnerable class=debug_mode line=5 framework=extra_vuln
from flask import Flask

app = Flask(__name__)
app.config["DEBUG"] = True


@app.get("/")
def index():
    return "ok"
