# corpus: label=vulnerable class=unsafe_deserialization line=6 framework=scripts
import pickle as pk
import sys

with open(sys.argv[1], "rb") as fh:
    model = pk.load(fh)
print(type(model))
