# corpus: label=safe class=insecure_temp_file framework=tempfile
import json
import os
import tempfile

state = {"last_run": "2024-05-01T10:00:00Z"}
fd, path = tempfile.mkstemp(prefix="sync_", suffix=".json")
with os.fdopen(fd, "w") as fh:
    json.dump(state, fh)
print(path)
