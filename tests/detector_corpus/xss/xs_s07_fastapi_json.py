# corpus: label=safe class=xss framework=xss
from fastapi import FastAPI

app = FastAPI()


@app.get("/welcome")
def welcome(name: str = "guest"):
    return {"message": f"Hi {name}"}
