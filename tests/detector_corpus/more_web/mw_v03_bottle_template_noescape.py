# corpus: label=vulnerable class=xss line=8 framework=more_web
from bottle import request, route, run


@route("/hi")
def hi():
    name = request.query.get("name", "")
    return "<p>hi " + name + "</p>"


run(host="127.0.0.1", port=8080)
