# corpus: label=vulnerable class=xxe line=17 framework=xml
import sys
import xml.sax
from xml.sax.handler import feature_external_ges


class Counter(xml.sax.ContentHandler):
    def __init__(self):
        super().__init__()
        self.n = 0

    def startElement(self, name, attrs):
        self.n += 1


parser = xml.sax.make_parser()
parser.setFeature(feature_external_ges, True)
handler = Counter()
parser.setContentHandler(handler)
parser.parse(sys.argv[1])
print(handler.n)
