# corpus: label=safe class=unsafe_deserialization framework=deserialize
import sys
import yaml

settings = {"workers": 4, "queues": ["default", "mail"], "debug": False}
yaml.safe_dump(settings, sys.stdout, sort_keys=False)
