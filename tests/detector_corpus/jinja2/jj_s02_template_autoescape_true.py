# corpus: label=safe class=xss framework=jinja2
from jinja2 import Template
from fastapi import FastAPI
from fastapi.responses import HTMLResponse

app = FastAPI()
PAGE = Template("<h1>{{ heading }}</h1>", autoescape=True)


@app.get("/page", response_class=HTMLResponse)
def page(heading: str):
    return PAGE.render(heading=heading)
