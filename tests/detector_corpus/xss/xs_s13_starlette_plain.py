# corpus: label=safe class=xss framework=xss
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


async def echo(request):
    return PlainTextResponse(request.query_params.get("text", ""))


app = Starlette(routes=[Route("/echo", echo)])
