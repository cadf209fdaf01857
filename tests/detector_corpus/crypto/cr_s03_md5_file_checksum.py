# corpus: label=safe class=weak_password_hash framework=crypto
import hashlib
import sys


def etag(path):
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(65536), b""):
            h.update(chunk)
    return h.hexdigest()


print(etag(sys.argv[1]))
