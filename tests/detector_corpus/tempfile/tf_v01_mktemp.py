# corpus: label=vulnerable class=insecure_temp_file line=4 framework=tempfile
import tempfile

path = tempfile.mktemp(suffix=".csv")
with open(path, "w") as fh:
    fh.write("id,value\n1,42\n")
print(path)
