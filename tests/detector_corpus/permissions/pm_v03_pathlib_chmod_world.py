# corpus: label=vulnerable class=insecure_permissions line=5 framework=permissions
from pathlib import Path

sock = Path("/run/myapp/control.sock")
sock.chmod(0o777)
