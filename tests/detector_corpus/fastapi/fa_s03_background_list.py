# corpus: label=safe class=command_injection framework=fastapi
import subprocess
from pathlib import Path
from fastapi import BackgroundTasks, FastAPI, HTTPException

app = FastAPI()
DOCS = Path("/srv/docs")


def convert(doc: Path):
    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", str(doc)], check=True)


@app.post("/convert")
def start(doc: str, tasks: BackgroundTasks):
    path = DOCS / Path(doc).name
    if not path.is_file():
        raise HTTPException(404)
    tasks.add_task(convert, path)
    return {"queued": path.name}
