# corpus: label=safe class=weak_password_hash framework=crypto
import hashlib
import os


def derive(password: str) -> bytes:
    salt = os.urandom(16)
    return salt + hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000)
