# corpus: label=safe class=xxe framework=xml
import sys
import defusedxml.ElementTree as DET

tree = DET.parse(sys.argv[1])
print(tree.getroot().tag)
