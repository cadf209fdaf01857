# corpus: label=safe class=command_injection framework=subprocess
import os
import shlex
import sys

filename = sys.argv[1]
os.system("gzip -9 " + shlex.quote(filename))
print("compressed", filename)
