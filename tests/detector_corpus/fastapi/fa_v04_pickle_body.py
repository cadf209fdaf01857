# corpus: label=vulnerable class=unsafe_deserialization line=10 framework=fastapi
import pickle
from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/model/state")
async def load_state(request: Request):
    state = pickle.loads(await request.body())
    return {"fields": len(state)}
