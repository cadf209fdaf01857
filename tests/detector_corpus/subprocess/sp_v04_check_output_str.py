# corpus: label=vulnerable class=command_injection line=10 framework=subprocess
import subprocess
from fastapi import FastAPI

app = FastAPI()


@app.get("/whois")
def whois(domain: str):
    result = subprocess.check_output("whois " + domain, shell=True, timeout=20)
    return {"raw": result.decode(errors="replace")}
