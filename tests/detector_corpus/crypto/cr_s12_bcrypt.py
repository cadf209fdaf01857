# corpus: label=safe class=weak_password_hash framework=crypto
import bcrypt


def hash_pw(pw: str) -> bytes:
    return bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=12))


def verify(pw: str, hashed: bytes) -> bool:
    return bcrypt.checkpw(pw.encode(), hashed)
