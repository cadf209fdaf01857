# corpus: label=vulnerable class=hardcoded_credentials line=5 framework=credentials
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "django-insecure-7f#k2l!x9q@p3m$w8z&v1b^n0c*r5t"
ALLOWED_HOSTS = ["shop.example.com"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
