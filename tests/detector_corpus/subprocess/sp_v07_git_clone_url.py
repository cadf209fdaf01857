# corpus: label=vulnerable class=command_injection line=7 framework=subprocess
import subprocess
import sys


def clone(repo_url, dest):
    subprocess.run(f"git clone {repo_url} {dest}", shell=True, check=True)


if __name__ == "__main__":
    clone(sys.argv[1], sys.argv[2])
