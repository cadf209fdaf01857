# corpus: label=safe class=path_traversal framework=pathlib
import uuid
from pathlib import Path
from fastapi import FastAPI, UploadFile

app = FastAPI()
ROOT = Path("/srv/user-files")


@app.post("/files")
async def put(file: UploadFile):
    dest = ROOT / f"{uuid.uuid4().hex}.bin"
    dest.write_bytes(await file.read())
    return {"stored": dest.name}
