# corpus: label=safe class=insecure_permissions framework=permissions
import os

os.makedirs("/srv/app/uploads", exist_ok=True)
os.chmod("/srv/app/uploads", 0o750)
