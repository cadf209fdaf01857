# corpus: label=vulnerable class=xxe line=11 framework=extra_vuln
from lxml import etree
from fastapi import FastAPI, UploadFile

app = FastAPI()


@app.post("/sitemap")
async def sitemap(file: UploadFile):
    parser = etree.XMLParser(resolve_entities=True)
    root = etree.fromstring(await file.read(), parser=parser)
    return {"urls": len(root)}
