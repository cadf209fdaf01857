# corpus: label=vulnerable class=path_traversal line=12 framework=pathlib
from pathlib import Path
from fastapi import FastAPI, UploadFile

app = FastAPI()
ROOT = Path("/srv/user-files")


@app.post("/files/{folder}")
async def put(folder: str, file: UploadFile):
    dest = ROOT / folder / file.filename
    dest.write_bytes(await file.read())
    return {"stored": str(dest)}
