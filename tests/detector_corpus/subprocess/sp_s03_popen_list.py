# corpus: label=safe class=command_injection framework=subprocess
import glob
import subprocess


def grep_logs(pattern):
    files = glob.glob("/var/log/app/*.log")
    proc = subprocess.Popen(["grep", "-i", "-e", pattern, "--", *files], stdout=subprocess.PIPE)
    return proc.communicate()[0].decode()


print(grep_logs(input("search for: ")))
