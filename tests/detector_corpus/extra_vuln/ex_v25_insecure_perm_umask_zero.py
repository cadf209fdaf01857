# corpus: label=vulnerable class=insecure_permissions line=4 framework=extra_vuln
import os

os.umask(0)
with open("/srv/app/state.json", "w") as fh:
    fh.write("{}")
