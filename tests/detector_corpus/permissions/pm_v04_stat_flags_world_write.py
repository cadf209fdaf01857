# corpus: label=vulnerable class=insecure_permissions line=6 framework=permissions
import os
import stat

path = "shared/exports.csv"
os.chmod(path, stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)
