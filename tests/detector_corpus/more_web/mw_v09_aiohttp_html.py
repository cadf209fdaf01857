# corpus: label=vulnerable class=xss line=7 framework=more_web
from aiohttp import web


async def hello(request):
    name = request.query.get("name", "")
    return web.Response(text=f"<h1>{name}</h1>", content_type="text/html")


app = web.Application()
app.router.add_get("/hello", hello)
