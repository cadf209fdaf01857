# corpus: label=vulnerable class=xss line=9 framework=xss
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route


async def echo(request):
    text = request.query_params.get("text", "")
    return HTMLResponse("<pre>" + text + "</pre>")


app = Starlette(routes=[Route("/echo", echo)])
