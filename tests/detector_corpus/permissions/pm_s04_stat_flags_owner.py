# corpus: label=safe class=insecure_permissions framework=permissions
import os
import stat

path = "shared/exports.csv"
os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP)
