# corpus: label=vulnerable class=ssrf line=11 framework=extra_vuln
import requests
from fastapi import FastAPI
from fastapi.responses import Response

app = FastAPI()


@app.get("/thumbnail")
def thumbnail(src: str):
    data = requests.get(src, timeout=10).content
    return Response(data, media_type="image/jpeg")
