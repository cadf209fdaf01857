# corpus: label=safe class=insecure_permissions framework=permissions
from pathlib import Path

sock = Path("/run/myapp/control.sock")
sock.chmod(0o660)
