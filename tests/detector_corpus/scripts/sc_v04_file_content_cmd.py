# corpus: label=vulnerable class=command_injection line=7 framework=scripts
import subprocess

with open("hosts.txt") as fh:
    for host in fh:
        host = host.strip()
        subprocess.run("ssh " + host + " uptime", shell=True)
