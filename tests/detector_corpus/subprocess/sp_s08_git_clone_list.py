# corpus: label=safe class=command_injection framework=subprocess
import subprocess
import sys


def clone(repo_url, dest):
    subprocess.run(["git", "clone", "--", repo_url, dest], check=True)


if __name__ == "__main__":
    clone(sys.argv[1], sys.argv[2])
