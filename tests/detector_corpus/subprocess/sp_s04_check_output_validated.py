# corpus: label=safe class=command_injection framework=subprocess
import re
import subprocess
from fastapi import FastAPI, HTTPException

app = FastAPI()
DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


@app.get("/whois")
def whois(domain: str):
    if not DOMAIN.fullmatch(domain.lower()):
        raise HTTPException(400, "bad domain")
    result = subprocess.check_output(["whois", domain], timeout=20)
    return {"raw": result.decode(errors="replace")}
