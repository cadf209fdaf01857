# corpus: label=safe class=weak_cryptography framework=crypto
import hashlib
from pathlib import Path

for p in sorted(Path("dist").glob("*.whl")):
    print(hashlib.sha256(p.read_bytes()).hexdigest(), p.name)
