# corpus: label=vulnerable class=code_injection line=6 framework=eval
import sys

code = sys.stdin.read()
namespace = {}
exec(code, namespace)
print(namespace.get("result"))
