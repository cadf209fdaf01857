# corpus: label=safe class=command_injection framework=subprocess
import subprocess

def git_summary():
    out = subprocess.run(
        "git log --oneline -n 20 | wc -l", shell=True, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())

print(git_summary())
