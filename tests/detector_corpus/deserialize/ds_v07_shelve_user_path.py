# corpus: label=vulnerable class=unsafe_deserialization line=5 framework=deserialize
import shelve
import sys

with shelve.open(sys.argv[1]) as db:
    print(dict(db))
