# corpus: label=safe class=path_traversal framework=archives
import os
import sys
import zipfile

dest = os.path.realpath("unpacked")
with zipfile.ZipFile(sys.argv[1]) as zf:
    for info in zf.infolist():
        target = os.path.realpath(os.path.join(dest, info.filename))
        if not target.startswith(dest + os.sep):
            raise SystemExit(f"refusing {info.filename!r}")
        if info.is_dir():
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as out:
            out.write(src.read())
