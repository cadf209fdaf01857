# corpus: label=safe class=open_redirect framework=web_misc
from fastapi import FastAPI, HTTPException
from fastapi.responses import RedirectResponse

app = FastAPI()
DESTINATIONS = {"docs": "https://docs.example.com", "status": "https://status.example.com"}


@app.get("/out")
def outbound(to: str):
    if to not in DESTINATIONS:
        raise HTTPException(404)
    return RedirectResponse(DESTINATIONS[to])
