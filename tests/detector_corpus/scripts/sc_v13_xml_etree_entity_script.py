# corpus: label=vulnerable class=xxe line=5 framework=scripts
import sys
from lxml import etree

doc = etree.parse(sys.argv[1], etree.XMLParser(resolve_entities=True))
print(doc.getroot().tag)
