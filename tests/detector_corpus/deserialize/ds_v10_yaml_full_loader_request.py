# corpus: label=vulnerable class=unsafe_deserialization line=11 framework=deserialize
import yaml
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/workflow")
async def workflow(request: Request):
    body = await request.body()
    spec = yaml.load(body, Loader=yaml.UnsafeLoader)
    return {"steps": len(spec.get("steps", []))}
