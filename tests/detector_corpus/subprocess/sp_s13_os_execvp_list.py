# corpus: label=safe class=command_injection framework=subprocess
import os
import sys

editor = os.environ.get("VISUAL", "vi")
target = sys.argv[1]
os.execvp(editor, [editor, "--", target])
