# corpus: label=safe class=path_traversal framework=archives
import os
import sys
import tarfile


def safe_members(tar, root):
    root = os.path.realpath(root)
    for m in tar.getmembers():
        dest = os.path.realpath(os.path.join(root, m.name))
        if dest.startswith(root + os.sep) and (m.isfile() or m.isdir()):
            yield m


with tarfile.open(sys.argv[1]) as tar:
    tar.extractall(path="data", members=safe_members(tar, "data"))
