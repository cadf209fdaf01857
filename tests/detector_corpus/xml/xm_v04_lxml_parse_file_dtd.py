# corpus: label=vulnerable class=xxe line=6 framework=xml
import sys
from lxml import etree

parser = etree.XMLParser(load_dtd=True, resolve_entities=True)
tree = etree.parse(sys.argv[1], parser)
print(etree.tostring(tree.getroot())[:200])
