# corpus: label=safe class=insecure_temp_file framework=tempfile
import csv
import io
import tempfile

with tempfile.SpooledTemporaryFile(max_size=1_000_000, mode="w+") as buf:
    writer = csv.writer(buf)
    writer.writerows([["a", 1], ["b", 2]])
    buf.seek(0)
    print(buf.read())
print(io.DEFAULT_BUFFER_SIZE)
