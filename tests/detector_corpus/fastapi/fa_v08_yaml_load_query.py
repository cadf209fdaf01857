# corpus: label=vulnerable class=unsafe_deserialization line=10 framework=fastapi
import yaml
from fastapi import FastAPI

app = FastAPI()


@app.get("/parse")
def parse(doc: str):
    return {"parsed": str(yaml.load(doc, Loader=yaml.Loader))}
