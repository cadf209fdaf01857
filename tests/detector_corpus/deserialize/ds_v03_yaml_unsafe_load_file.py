# corpus: label=vulnerable class=unsafe_deserialization line=6 framework=deserialize
import sys
import yaml

with open(sys.argv[1]) as fh:
    pipeline = yaml.unsafe_load(fh)
print(pipeline["steps"])
