# corpus: label=vulnerable class=xss line=10 framework=xss
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()


@app.get("/welcome", response_class=HTMLResponse)
def welcome(name: str = "guest"):
    return HTMLResponse(f"<html><body><h2>Hi {name}</h2></body></html>")
