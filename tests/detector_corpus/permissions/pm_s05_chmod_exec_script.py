# corpus: label=safe class=insecure_permissions framework=permissions
import os
from pathlib import Path

script = Path("bin/deploy.sh")
script.write_text("#!/bin/sh\nset -eu\nrsync -a build/ /srv/www/\n")
os.chmod(script, 0o755)
