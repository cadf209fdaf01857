# corpus: label=safe class=command_injection framework=scripts
import subprocess

with open("hosts.txt") as fh:
    for host in fh:
        host = host.strip()
        if host and not host.startswith("-"):
            subprocess.run(["ssh", host, "uptime"], timeout=30)
