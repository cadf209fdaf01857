# corpus: label=vulnerable class=insecure_permissions line=5 framework=permissions
import os

os.makedirs("/srv/app/uploads", exist_ok=True)
os.chmod("/srv/app/uploads", 0o777)
