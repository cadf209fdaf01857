# corpus: label=vulnerable class=command_injection line=6 framework=subprocess
import subprocess


def run(cmd):
    return subprocess.run(cmd, shell=True, check=True, capture_output=True, text=True).stdout


def lookup_user():
    name = input("user: ")
    return run("id " + name)


print(lookup_user())
