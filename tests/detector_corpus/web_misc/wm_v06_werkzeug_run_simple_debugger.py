# corpus: label=vulnerable class=debug_mode line=11 framework=web_misc
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response


@Request.application
def application(request):
    return Response("ok")


run_simple("0.0.0.0", 8080, application, use_debugger=True, use_reloader=True)
