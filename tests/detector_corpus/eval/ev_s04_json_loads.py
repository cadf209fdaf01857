# corpus: label=safe class=code_injection framework=eval
import json
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/settings")
async def settings(request: Request):
    data = json.loads(await request.body())
    return {"keys": sorted(data) if isinstance(data, dict) else []}
