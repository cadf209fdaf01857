# corpus: label=vulnerable class=ssrf line=16 framework=requests
import httpx
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Hook(BaseModel):
    callback_url: str


@app.post("/webhooks/test")
async def test_hook(hook: Hook):
    async with httpx.AsyncClient(timeout=5) as client:
        r = await client.post(hook.callback_url, json={"ping": True})
    return {"status": r.status_code}
