# corpus: label=safe class=command_injection framework=subprocess
import asyncio
from aiohttp import web


async def nslookup(request):
    name = request.query.get("name", "")
    proc = await asyncio.create_subprocess_exec("nslookup", "--", name, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return web.Response(text=out.decode())


app = web.Application()
app.router.add_get("/dns", nslookup)
