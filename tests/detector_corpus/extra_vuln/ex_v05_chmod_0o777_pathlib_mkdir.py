# corpus: label=vulnerable class=insecure_permissions line=5 framework=extra_vuln
from pathlib import Path

shared = Path("/srv/shared/uploads")
shared.mkdir(parents=True, exist_ok=True, mode=0o777)
