# corpus: label=vulnerable class=code_injection line=8 framework=scripts
import json
import sys

rules = json.load(open(sys.argv[1]))
record = {"amount": 120, "country": "NL"}
for rule in rules:
    if eval(rule["when"], {}, record):
        print("matched", rule["name"])
