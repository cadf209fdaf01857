# corpus: label=vulnerable class=path_traversal line=11 framework=archives
import os
import sys
import zipfile

dest = "unpacked"
with zipfile.ZipFile(sys.argv[1]) as zf:
    for info in zf.infolist():
        target = os.path.join(dest, info.filename)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            out.write(src.read())
