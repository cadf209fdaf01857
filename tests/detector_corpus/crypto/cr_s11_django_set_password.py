# corpus: label=safe class=weak_password_hash framework=crypto
from django.contrib.auth.models import User


def set_password(user: User, raw: str) -> None:
    user.set_password(raw)
    user.save(update_fields=["password"])
