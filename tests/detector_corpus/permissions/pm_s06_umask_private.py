# corpus: label=safe class=insecure_permissions framework=permissions
import os

old = os.umask(0o077)
try:
    with open("tokens.db", "wb") as fh:
        fh.write(b"")
finally:
    os.umask(old)
