# corpus: label=safe class=insecure_temp_file framework=tempfile
import os
from pathlib import Path

runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or Path.home() / ".cache")
lock = runtime / "worker.lock"
fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
os.write(fd, b"locked")
os.close(fd)
