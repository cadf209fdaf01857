# corpus: label=safe class=path_traversal framework=fastapi
from pathlib import Path
from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

app = FastAPI()
EXPORTS = Path("/srv/exports").resolve()


@app.get("/download")
def download(name: str):
    path = (EXPORTS / name).resolve()
    if path.parent != EXPORTS or not path.exists():
        raise HTTPException(404)
    return FileResponse(path)
