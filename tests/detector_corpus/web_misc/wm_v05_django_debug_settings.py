# corpus: label=vulnerable class=debug_mode line=5 framework=web_misc
import os

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = True
ALLOWED_HOSTS = ["*"]
