# corpus: label=vulnerable class=weak_password_hash line=6 framework=crypto
import hashlib


def hash_password(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


def check(password: str, stored: str) -> bool:
    return hash_password(password) == stored
