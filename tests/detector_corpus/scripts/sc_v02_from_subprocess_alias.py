# corpus: label=vulnerable class=command_injection line=6 framework=scripts
from subprocess import run as sh
import sys

branch = sys.argv[1]
sh(f"git checkout {branch} && git pull", shell=True, check=True)
