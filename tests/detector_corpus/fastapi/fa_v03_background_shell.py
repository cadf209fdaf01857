# corpus: label=vulnerable class=command_injection line=9 framework=fastapi
import os
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def convert(doc: str):
    os.system(f"libreoffice --headless --convert-to pdf /srv/docs/{doc}")


@app.post("/convert")
def start(doc: str, tasks: BackgroundTasks):
    tasks.add_task(convert, doc)
    return {"queued": doc}
