# corpus: label=vulnerable class=path_traversal line=13 framework=archives
import shutil
from fastapi import FastAPI, UploadFile
import tempfile

app = FastAPI()


@app.post("/themes")
async def upload_theme(file: UploadFile):
    with tempfile.NamedTemporaryFile(suffix=".tar.gz", delete=False) as tmp:
        tmp.write(await file.read())
    shutil.unpack_archive(tmp.name, "/srv/themes")
    return {"ok": True}
