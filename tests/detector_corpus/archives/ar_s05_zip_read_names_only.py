# corpus: label=safe class=path_traversal framework=archives
from fastapi import FastAPI, UploadFile
import io
import zipfile

app = FastAPI()


@app.post("/inspect")
async def inspect_zip(file: UploadFile):
    with zipfile.ZipFile(io.BytesIO(await file.read())) as zf:
        return {"files": [i.filename for i in zf.infolist()], "bytes": sum(i.file_size for i in zf.infolist())}
