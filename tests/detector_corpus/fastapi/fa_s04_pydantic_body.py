# corpus: label=safe class=unsafe_deserialization framework=fastapi
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class State(BaseModel):
    weights: list[float]
    step: int


@app.post("/model/state")
def load_state(state: State):
    return {"fields": len(state.weights), "step": state.step}
