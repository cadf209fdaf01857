# corpus: label=vulnerable class=insecure_permissions line=8 framework=permissions
import os
import secrets

key_path = os.path.expanduser("~/.config/app/secret.key")
with open(key_path, "w") as fh:
    fh.write(secrets.token_hex(32))
os.chmod(key_path, 0o666)
