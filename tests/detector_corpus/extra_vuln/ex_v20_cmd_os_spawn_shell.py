# corpus: label=vulnerable class=command_injection line=6 framework=extra_vuln
import os
import sys

pattern = sys.argv[1]
os.spawnl(os.P_WAIT, "/bin/sh", "sh", "-c", "find /srv -name '" + pattern + "'")
