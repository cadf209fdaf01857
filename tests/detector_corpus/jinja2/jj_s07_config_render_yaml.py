# corpus: label=safe class=xss framework=jinja2
import yaml
from jinja2 import StrictUndefined, Template

TEMPLATE = Template("replicas: {{ replicas }}\nimage: {{ image }}\n", undefined=StrictUndefined)

manifest = TEMPLATE.render(replicas=3, image="registry.local/app:1.4.2")
print(yaml.safe_load(manifest))
