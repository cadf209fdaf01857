# corpus: label=vulnerable class=xss line=7 framework=fastapi
from fastapi import FastAPI, Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

app = FastAPI()
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader("templates"), autoescape=False))


@app.get("/hello")
def hello(request: Request, name: str = ""):
    return templates.TemplateResponse(request, "hello.html", {"name": name})
