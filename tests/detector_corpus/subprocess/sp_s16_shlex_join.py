# corpus: label=safe class=command_injection framework=subprocess
import shlex
import subprocess
import sys

args = ["rsync", "-a", "--delete", sys.argv[1], sys.argv[2]]
print("running:", shlex.join(args))
subprocess.run(args, check=True)
