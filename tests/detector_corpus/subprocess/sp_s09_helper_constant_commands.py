# corpus: label=safe class=command_injection framework=subprocess
import subprocess


def run(cmd):
    return subprocess.run(cmd, shell=True, check=True, capture_output=True, text=True).stdout


def system_report():
    return {
        "kernel": run("uname -r"),
        "uptime": run("uptime"),
        "disk": run("df -h /"),
    }


print(system_report())
