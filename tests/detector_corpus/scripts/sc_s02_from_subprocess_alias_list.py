# corpus: label=safe class=command_injection framework=scripts
from subprocess import run as sh
import sys

branch = sys.argv[1]
sh(["git", "checkout", branch], check=True)
sh(["git", "pull", "--ff-only"], check=True)
