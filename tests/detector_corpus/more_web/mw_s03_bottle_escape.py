# corpus: label=safe class=xss framework=more_web
from html import escape
from bottle import request, route, run


@route("/hi")
def hi():
    name = request.query.get("name", "")
    return "<p>hi " + escape(name) + "</p>"


run(host="127.0.0.1", port=8080)
