# corpus: label=vulnerable class=insecure_temp_file line=5 framework=tempfile
from pathlib import Path

lock = Path("/tmp/worker.lock")
lock.write_text("locked")
print("lock taken")
