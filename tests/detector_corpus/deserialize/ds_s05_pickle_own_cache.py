# corpus: label=safe class=unsafe_deserialization framework=deserialize
import hashlib
import pickle
from pathlib import Path

CACHE = Path.home() / ".cache" / "myapp"
CACHE.mkdir(parents=True, exist_ok=True)


def cached_fib(n: int) -> int:
    key = CACHE / (hashlib.sha256(str(n).encode()).hexdigest() + ".json")
    if key.exists():
        return int(key.read_text())
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    key.write_text(str(a))
    return a


print(cached_fib(90), pickle.HIGHEST_PROTOCOL)
