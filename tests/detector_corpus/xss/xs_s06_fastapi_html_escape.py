# corpus: label=safe class=xss framework=xss
import html
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/welcome", response_class=HTMLResponse)
def welcome(name: str = "guest"):
    return HTMLResponse(f"<html><body><h2>Hi {html.escape(name)}</h2></body></html>")
