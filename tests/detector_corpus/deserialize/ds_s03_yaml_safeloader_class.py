# corpus: label=safe class=unsafe_deserialization framework=deserialize
import sys
import yaml

with open(sys.argv[1]) as fh:
    pipeline = yaml.load(fh, Loader=yaml.SafeLoader)
print(pipeline["steps"])
