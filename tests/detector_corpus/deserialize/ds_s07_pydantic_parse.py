# corpus: label=safe class=unsafe_deserialization framework=deserialize
from flask import Flask, request
from pydantic import BaseModel


class State(BaseModel):
    user_id: int
    items: list[str] = []


app = Flask(__name__)

@app.post("/import")
def import_state():
    obj = State.model_validate_json(request.get_data(as_text=True))
    return {"items": len(obj.items)}
