# corpus: label=vulnerable class=code_injection line=4 framework=scripts
import sys

transform = lambda s: eval(s)
for line in sys.stdin:
    print(transform(line))
