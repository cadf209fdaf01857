# corpus: label=safe class=insecure_permissions framework=permissions
import os
import shutil

shutil.copy("build/app.css", "/var/www/static/app.css")
os.chmod("/var/www/static/app.css", 0o644)
