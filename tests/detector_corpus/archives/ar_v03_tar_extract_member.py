# corpus: label=vulnerable class=path_traversal line=8 framework=archives
import sys
import tarfile

with tarfile.open(sys.argv[1]) as tar:
    for member in tar.getmembers():
        if member.name.endswith(".csv"):
            tar.extract(member, path="data")
