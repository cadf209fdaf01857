# corpus: label=safe class=xss framework=more_web
from aiohttp import web


async def hello(request):
    return web.json_response({"hello": request.query.get("name", "")})


app = web.Application()
app.router.add_get("/hello", hello)
