# corpus: label=safe class=path_traversal framework=pathlib
from pathlib import Path
from fastapi import FastAPI, HTTPException

app = FastAPI()
STATIC = Path("/var/www/static").resolve()


@app.get("/static/{name:path}")
def static(name: str):
    target = (STATIC / name).resolve()
    if not target.is_relative_to(STATIC) or not target.is_file():
        raise HTTPException(404)
    return target.read_text()
