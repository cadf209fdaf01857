# corpus: label=safe class=insecure_temp_file framework=tempfile
import tempfile

with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
    fh.write("id,value\n1,42\n")
print(fh.name)
