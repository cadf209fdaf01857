# corpus: label=vulnerable class=open_redirect line=8 framework=extra_vuln
from starlette.applications import Starlette
from starlette.responses import RedirectResponse
from starlette.routing import Route


async def bounce(request):
    return RedirectResponse(request.query_params["target"])


app = Starlette(routes=[Route("/bounce", bounce)])
