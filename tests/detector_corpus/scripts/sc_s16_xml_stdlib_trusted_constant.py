# corpus: label=safe class=xxe framework=scripts
import xml.etree.ElementTree as ET

CONFIG = """<config><workers>4</workers><queue>default</queue></config>"""
root = ET.fromstring(CONFIG)
print(int(root.findtext("workers")))
