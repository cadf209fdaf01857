# corpus: label=safe class=code_injection framework=scripts
import sys

total = 0
for line in sys.stdin:
    line = line.strip()
    if line:
        total += int(line)
print(total)
