# corpus: label=safe class=weak_randomness framework=crypto
import uuid


def new_order_id() -> str:
    return uuid.uuid4().hex


print(new_order_id())
