# corpus: label=safe class=path_traversal framework=fastapi
import hashlib
from pathlib import Path
from fastapi import FastAPI, HTTPException, UploadFile

app = FastAPI()
STORE = Path("/srv/blobs")


@app.post("/blobs")
async def put_blob(file: UploadFile):
    data = await file.read()
    if len(data) > 10_000_000:
        raise HTTPException(413)
    digest = hashlib.sha256(data).hexdigest()
    (STORE / digest).write_bytes(data)
    return {"id": digest}
