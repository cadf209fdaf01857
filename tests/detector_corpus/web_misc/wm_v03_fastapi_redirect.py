# corpus: label=vulnerable class=open_redirect line=10 framework=web_misc
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

app = FastAPI()


@app.get("/out")
def outbound(url: str):
    return RedirectResponse(url)
