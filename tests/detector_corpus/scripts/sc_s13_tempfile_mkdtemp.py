# corpus: label=safe class=insecure_temp_file framework=scripts
import tempfile

d = tempfile.mkdtemp(prefix="build-")
print("building in", d)
