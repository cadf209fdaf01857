# corpus: label=vulnerable class=unsafe_deserialization line=6 framework=extra_vuln
import sys
import yaml

doc = open(sys.argv[1]).read()
data = yaml.load(doc, yaml.Loader)
print(data)
