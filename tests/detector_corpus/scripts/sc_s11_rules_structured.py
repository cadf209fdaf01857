# corpus: label=safe class=code_injection framework=scripts
import json
import operator
import sys

OPS = {"gt": operator.gt, "lt": operator.lt, "eq": operator.eq}
rules = json.load(open(sys.argv[1]))
record = {"amount": 120, "country": "NL"}
for rule in rules:
    if OPS[rule["op"]](record[rule["field"]], rule["value"]):
        print("matched", rule["name"])
