# corpus: label=vulnerable class=insecure_permissions line=5 framework=permissions
import os

for d in ("cache", "cache/thumbs", "cache/previews"):
    os.makedirs(d, mode=0o777, exist_ok=True)
