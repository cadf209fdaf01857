# corpus: label=vulnerable class=insecure_temp_file line=5 framework=scripts
import os
import tempfile

d = tempfile.mktemp(prefix="build-")
os.mkdir(d)
print("building in", d)
