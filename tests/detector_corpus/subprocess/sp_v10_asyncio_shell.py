# corpus: label=vulnerable class=command_injection line=8 framework=subprocess
import asyncio
from aiohttp import web


async def nslookup(request):
    name = request.query.get("name", "")
    proc = await asyncio.create_subprocess_shell(f"nslookup {name}", stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    return web.Response(text=out.decode())


app = web.Application()
app.router.add_get("/dns", nslookup)
