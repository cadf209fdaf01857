# corpus: label=vulnerable class=path_traversal line=10 framework=fastapi
from fastapi import FastAPI
from fastapi.responses import FileResponse

app = FastAPI()


@app.get("/download")
def download(name: str):
    return FileResponse(f"/srv/exports/{name}")
