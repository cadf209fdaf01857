# corpus: label=safe class=xxe framework=xml
from fastapi import FastAPI, Request
from lxml import etree

app = FastAPI()
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, dtd_validation=False, load_dtd=False)


@app.post("/feed")
async def feed(request: Request):
    root = etree.fromstring(await request.body(), PARSER)
    return {"items": len(root.findall(".//item"))}
