# corpus: label=vulnerable class=path_traversal line=11 framework=pathlib
from pathlib import Path
from fastapi import FastAPI

app = FastAPI()
STATIC = Path("/var/www/static")


@app.get("/static/{name:path}")
def static(name: str):
    return (STATIC / name).read_text()
