# corpus: label=safe class=code_injection framework=eval
import math

FORMULAS = {"area": "math.pi * r ** 2", "circumference": "2 * math.pi * r"}


def compute(name, r):
    return eval(FORMULAS[name], {"math": math, "__builtins__": {}}, {"r": float(r)})


for key in FORMULAS:
    print(key, compute(key, 2.0))
