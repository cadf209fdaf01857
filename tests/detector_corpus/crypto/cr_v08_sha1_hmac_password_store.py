# corpus: label=vulnerable class=weak_password_hash line=7 framework=crypto
import hashlib
from django.contrib.auth.models import User


def set_password(user: User, raw: str) -> None:
    user.password = hashlib.sha1(raw.encode()).hexdigest()
    user.save(update_fields=["password"])
