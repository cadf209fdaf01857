# corpus: label=vulnerable class=unsafe_deserialization line=10 framework=deserialize
import marshal
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/bytecode")
async def bytecode(file: UploadFile):
    code = marshal.loads(await file.read())
    return {"name": code.co_name}
