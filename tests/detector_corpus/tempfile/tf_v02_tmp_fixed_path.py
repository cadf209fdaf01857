# corpus: label=vulnerable class=insecure_temp_file line=5 framework=tempfile
import json

state = {"last_run": "2024-05-01T10:00:00Z"}
with open("/tmp/sync_state.json", "w") as fh:
    json.dump(state, fh)
