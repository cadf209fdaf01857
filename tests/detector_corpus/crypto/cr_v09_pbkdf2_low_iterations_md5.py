# corpus: label=vulnerable class=weak_password_hash line=8 framework=crypto
import hashlib
import os


def derive(password: str) -> bytes:
    salt = os.urandom(8)
    return salt + hashlib.pbkdf2_hmac("md5", password.encode(), salt, 1000)
