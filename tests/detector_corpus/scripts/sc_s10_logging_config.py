# corpus: label=safe class=insecure_permissions framework=scripts
import logging
import logging.handlers
import os

os.makedirs("logs", mode=0o750, exist_ok=True)
handler = logging.handlers.RotatingFileHandler("logs/app.log", maxBytes=5_000_000, backupCount=3)
logging.basicConfig(level=logging.INFO, handlers=[handler])
logging.info("started")
