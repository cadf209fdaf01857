# corpus: label=vulnerable class=code_injection line=15 framework=eval
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Snippet(BaseModel):
    source: str


@app.post("/run")
def run(snippet: Snippet):
    scope = {}
    exec(compile(snippet.source, "<user>", "exec"), scope)
    return {"keys": sorted(scope)}
