# corpus: label=vulnerable class=command_injection line=6 framework=subprocess
import os
import sys

filename = sys.argv[1]
os.system("gzip -9 " + filename)
print("compressed", filename)
