# corpus: label=safe class=ssrf framework=requests
import httpx
from fastapi import FastAPI

app = FastAPI()
NOTIFY_URL = "https://hooks.example.com/services/notify"


@app.post("/webhooks/test")
async def test_hook():
    async with httpx.AsyncClient(timeout=5) as client:
        r = await client.post(NOTIFY_URL, json={"ping": True})
    return {"status": r.status_code}
